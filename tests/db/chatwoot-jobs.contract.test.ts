/**
 * The Chatwoot bridge's queue on both dialects: a burst of changes to one message is one step, a step is claimed
 * once (also by two gateways at once), only a lane's oldest open step runs, failures retry with backoff and hold
 * back their conversation only, dead letters replay in their place, and two gateways' queues over one database run
 * every step once, in order per conversation.
 */
import { describe, expect, it } from '@jest/globals';
import { JobQueue, type StepHandler, type StepOutcome } from '../../src/chatwoot/queue/job-queue.js';
import type { ChatwootJobStore, LaneRef } from '../../src/db/ports/chatwoot-jobs.js';
import type { ChatwootJobRow } from '../../src/db/schema-chatwoot.js';
import type { JobKind } from '../../src/domain/chatwoot.js';
import type { Clock } from '../../src/lib/clock.js';
import { createLogger } from '../../src/lib/logger.js';
import { auditOn } from '../helpers/access-stores.js';
import { A, B, jobStore, otherGateway, step } from '../helpers/chatwoot-stores.js';
import { DIALECTS, dialectDatabases } from '../helpers/dialects.js';

const open = dialectDatabases('cwjobs');
const LANE = 'chat:1@s.whatsapp.net';
const lane = (phoneNumber: string, name: string): LaneRef => ({ phoneNumber, lane: name });
const clock: Clock = { now: () => Date.now(), random: () => 0.5, setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h) };
const BASE_DELAY = 200;

function queueOver(jobs: ChatwootJobStore, handle: StepHandler): JobQueue {
  const handlers = Object.fromEntries((['message', 'merge', 'note', 'reply', 'fail'] as JobKind[]).map((kind) => [kind, handle])) as Record<JobKind, StepHandler>;
  return new JobQueue({
    repo: jobs,
    inTransaction: { enqueue: () => { throw new Error('no SQLite transaction here'); } },
    handlers,
    settings: { retry: { baseDelayMs: BASE_DELAY, maxDelayMs: 10 * BASE_DELAY, jitter: 0 }, periodMs: 60_000, concurrency: 5 },
    clock,
    logger: createLogger('silent'),
  });
}

/** Resolves once `count` calls have been recorded. */
function calls<T>(count: number): { seen: T[]; record: (value: T) => void; all: Promise<void> } {
  const seen: T[] = [];
  let done: () => void = () => undefined;
  const all = new Promise<void>((resolve) => (done = resolve));
  return { seen, all, record: (value) => (seen.push(value) >= count ? done() : undefined) };
}

describe.each(DIALECTS)('Chatwoot jobs on %s', (dialect) => {
  it('absorb a burst of changes to one message into one waiting step, and queue a new one once it runs', async () => {
    const jobs = jobStore(await open(dialect));
    await jobs.enqueue(step({ ref: 'm1', payload: { v: 1 } }));
    await jobs.enqueue(step({ ref: 'm2' }));
    await jobs.enqueue(step({ ref: 'm1', payload: { v: 2 } }));
    const head = await jobs.head(lane(A, LANE));
    expect(head).toMatchObject({ ref: 'm1', payload: { v: 2 }, status: 'pending', attempts: 0, direction: 'to_chatwoot' });
    expect(await jobs.claim(head!.id)).toBe(true);
    await jobs.enqueue(step({ ref: 'm1', payload: { v: 3 } }));
    const page = await jobs.list({ limit: 10, offset: 0 });
    expect(page.total).toBe(3);
    expect(page.rows.map((r) => [r.ref, r.status, r.payload])).toEqual([
      ['m1', 'pending', { v: 3 }],
      ['m2', 'pending', {}],
      ['m1', 'running', { v: 2 }],
    ]);
  });

  it('are claimed once: of eight claimers at once (on Postgres from two gateways) exactly one gets the step', async () => {
    const d = await open(dialect);
    const [mine, theirs] = [jobStore(d), otherGateway(d).jobs];
    await mine.enqueue(step({ ref: 'm1' }));
    const head = (await mine.head(lane(A, LANE)))!;
    const wins = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? theirs : mine).claim(head.id)));
    expect(wins.filter(Boolean)).toHaveLength(1);
    expect((await theirs.get(head.id))?.status).toBe('running');
    expect(await mine.claim(head.id)).toBe(false);
    expect(await mine.claim(9999)).toBe(false);
  });

  it('run in order per conversation: only the oldest open step of a lane can be claimed, other lanes go on', async () => {
    const d = await open(dialect);
    const [mine, theirs] = [jobStore(d), otherGateway(d).jobs];
    await mine.enqueue(step({ ref: 'm1' }));
    await mine.enqueue(step({ ref: 'm2' }));
    await mine.enqueue(step({ ref: 'x1', lane: 'chat:2@s.whatsapp.net' }));
    const [first, second] = (await mine.list({ phoneNumber: A, limit: 10, offset: 0 })).rows.filter((r) => r.lane === LANE).reverse();
    expect(await theirs.claim(second!.id)).toBe(false);
    expect(await mine.claim(first!.id)).toBe(true);
    // The head stays the running step: another gateway sees it taken and does not move on to the next one.
    expect((await theirs.head(lane(A, LANE)))?.id).toBe(first!.id);
    expect(await theirs.claim(second!.id)).toBe(false);
    const other = (await theirs.head(lane(A, 'chat:2@s.whatsapp.net')))!;
    expect(await theirs.claim(other.id)).toBe(true);
    await mine.settle(first!.id, { status: 'done', attempts: 1, nextAttemptAt: 0, giveUpAt: 0, lastError: null, doneAt: 5 });
    expect((await theirs.head(lane(A, LANE)))?.id).toBe(second!.id);
    expect(await theirs.claim(second!.id)).toBe(true);
  });

  it('keep a failed step at its lane’s head with its attempts, error and next try; a dead one lets the lane go on and is counted', async () => {
    const jobs = jobStore(await open(dialect));
    await jobs.enqueue(step({ ref: 'm1' }));
    await jobs.enqueue(step({ ref: 'm2' }));
    await jobs.enqueue(step({ ref: 'r1', phoneNumber: B, direction: 'to_whatsapp', kind: 'reply', lane: 'conversation:7' }));
    const first = (await jobs.head(lane(A, LANE)))!;
    await jobs.claim(first.id);
    await jobs.settle(first.id, { status: 'pending', attempts: 1, nextAttemptAt: 50_000, giveUpAt: 90_000, lastError: 'HTTP 503', doneAt: null });
    expect(await jobs.head(lane(A, LANE))).toMatchObject({ id: first.id, status: 'pending', attempts: 1, nextAttemptAt: 50_000, giveUpAt: 90_000, lastError: 'HTTP 503' });
    const backlog = async () => (await jobs.backlog()).map((b) => ({ ...b, oldestAt: typeof b.oldestAt })).sort((x, y) => x.phoneNumber.localeCompare(y.phoneNumber));
    expect(await backlog()).toEqual([
      { phoneNumber: A, direction: 'to_chatwoot', pending: 1, retrying: 1, dead: 0, oldestAt: 'number' },
      { phoneNumber: B, direction: 'to_whatsapp', pending: 1, retrying: 0, dead: 0, oldestAt: 'number' },
    ]);
    await jobs.claim(first.id);
    await jobs.settle(first.id, { status: 'dead', attempts: 2, nextAttemptAt: 50_000, giveUpAt: 90_000, lastError: 'HTTP 422', doneAt: null });
    expect((await jobs.head(lane(A, LANE)))?.ref).toBe('m2');
    expect((await backlog())[0]).toMatchObject({ pending: 1, retrying: 0, dead: 1 });
    expect((await jobs.list({ status: 'dead', limit: 10, offset: 0 })).rows.map((r) => [r.ref, r.lastError])).toEqual([['m1', 'HTTP 422']]);
    expect((await jobs.list({ phones: [B], limit: 10, offset: 0 })).rows.map((r) => r.ref)).toEqual(['r1']);
    expect((await jobs.list({ phones: [], limit: 10, offset: 0 })).total).toBe(0);
    expect((await jobs.list({ direction: 'to_whatsapp', limit: 10, offset: 0 })).total).toBe(1);
  });

  it('resume after a restart: open lanes are listed, steps cut off while running run again, old finished steps are forgotten', async () => {
    const d = await open(dialect);
    const jobs = jobStore(d);
    await jobs.enqueue(step({ ref: 'm1' }));
    await jobs.enqueue(step({ ref: 'm2', lane: 'chat:2@s.whatsapp.net' }));
    await jobs.enqueue(step({ ref: 'm3', phoneNumber: B }));
    const cut = (await jobs.head(lane(A, LANE)))!;
    await jobs.claim(cut.id);
    const done = (await jobs.head(lane(B, LANE)))!;
    await jobs.claim(done.id);
    await jobs.settle(done.id, { status: 'done', attempts: 1, nextAttemptAt: 0, giveUpAt: 0, lastError: null, doneAt: 1 });
    const restarted = jobStore(d);
    expect((await restarted.openLanes()).map((l) => `${l.phoneNumber} ${l.lane}`).sort()).toEqual([`${A} ${LANE}`, `${A} chat:2@s.whatsapp.net`]);
    expect(await restarted.resetRunning()).toBe(1);
    expect((await restarted.get(cut.id))?.status).toBe('pending');
    expect(await restarted.pruneDone(Date.now() - 60_000)).toBe(0);
    expect(await restarted.pruneDone(Date.now() + 60_000)).toBe(1);
    expect(await restarted.get(done.id)).toBeUndefined();
  });

  it('replay a dead step with its audit row in one commit; an unknown step writes none', async () => {
    const d = await open(dialect);
    const jobs = jobStore(d);
    const audit = auditOn(d);
    await jobs.enqueue(step({ ref: 'm1' }));
    const head = (await jobs.head(lane(A, LANE)))!;
    await jobs.claim(head.id);
    await jobs.settle(head.id, { status: 'dead', attempts: 3, nextAttemptAt: 0, giveUpAt: 10, lastError: 'gone', doneAt: null });
    const replay = audit.link('chatwoot.replay');
    expect(await jobs.update(head.id, { status: 'pending', attempts: 0, nextAttemptAt: 0, giveUpAt: 0, doneAt: null }, replay)).toMatchObject({ status: 'pending', attempts: 0, lastError: 'gone' });
    expect(replay.ids).toEqual([1]);
    const none = audit.link('chatwoot.replay');
    expect(await jobs.update(9999, { nextAttemptAt: 0 }, none)).toBeUndefined();
    expect(none.ids).toEqual([]);
    expect((await audit.rows()).map((r) => r.action)).toEqual(['chatwoot.replay']);
  });

  it('take an agent’s message once: receipts, its step and its audit row commit together; a copy (also on another gateway at once) writes nothing', async () => {
    const d = await open(dialect);
    const [mine, theirs] = [jobStore(d), otherGateway(d).jobs];
    const audit = auditOn(d);
    const reply = step({ ref: '42', kind: 'reply', direction: 'to_whatsapp', lane: 'conversation:7', payload: { content: 'hi' } });
    const links = [audit.link('chatwoot.reply'), audit.link('chatwoot.reply')];
    const answers = await Promise.all([mine.takeDelivery(A, [`delivery:${A}:d1`, `message:${A}:42`], reply, links[0]), theirs.takeDelivery(A, [`delivery:${A}:d1`, `message:${A}:42`], reply, links[1])]);
    expect(answers.filter((a) => a === null)).toHaveLength(1);
    expect(answers.filter((a) => a !== null)).toEqual([`delivery:${A}:d1`]);
    // The same message under another delivery id (Chatwoot does that): the message's receipt stops it, the new delivery id is not kept either.
    expect(await mine.takeDelivery(A, [`delivery:${A}:d2`, `message:${A}:42`], reply, audit.link('chatwoot.reply'))).toBe(`message:${A}:42`);
    expect(await mine.takeDelivery(A, [`delivery:${A}:d2`, `message:${A}:43`], null)).toBeNull();
    const page = await mine.list({ limit: 10, offset: 0 });
    expect(page.rows.map((r) => [r.kind, r.ref, r.lane, r.payload])).toEqual([['reply', '42', 'conversation:7', { content: 'hi' }]]);
    expect((await audit.rows()).map((r) => r.action)).toEqual(['chatwoot.reply']);
    expect(links.flatMap((l) => l.ids)).toEqual([1]);
  });

  it('run every step once and in order per conversation when two gateways’ queues work the same lanes', async () => {
    const d = await open(dialect);
    const mine = jobStore(d);
    const lanes = ['chat:1@s.whatsapp.net', 'chat:2@s.whatsapp.net', 'chat:3@s.whatsapp.net'];
    for (let i = 0; i < 6; i++) for (const name of lanes) await mine.enqueue(step({ ref: `${name}#${i}`, lane: name }));
    const ran = calls<{ by: string; ref: string }>(18);
    const handler = (by: string): StepHandler => async (job) => {
      ran.record({ by, ref: job.ref });
      return { kind: 'done' };
    };
    const queues = [queueOver(mine, handler('one')), queueOver(otherGateway(d).jobs, handler('two'))];
    try {
      for (const q of queues) q.wake(lanes.map((name) => lane(A, name)));
      await ran.all;
    } finally {
      for (const q of queues) await q.close();
    }
    expect(ran.seen).toHaveLength(18);
    expect(new Set(ran.seen.map((r) => r.ref)).size).toBe(18);
    for (const name of lanes) expect(ran.seen.filter((r) => r.ref.startsWith(name)).map((r) => r.ref)).toEqual([0, 1, 2, 3, 4, 5].map((i) => `${name}#${i}`));
    expect((await mine.backlog()).every((b) => b.pending + b.retrying === 0)).toBe(true);
  });

  it('retry a failing step after its backoff, holding back its conversation only, and dead-letter what Chatwoot refuses', async () => {
    const d = await open(dialect);
    const jobs = jobStore(d);
    await jobs.enqueue(step({ ref: 'flaky' }));
    await jobs.enqueue(step({ ref: 'after' }));
    await jobs.enqueue(step({ ref: 'refused', lane: 'chat:3@s.whatsapp.net' }));
    for (let i = 0; i < 3; i++) await jobs.enqueue(step({ ref: `other#${i}`, lane: 'chat:2@s.whatsapp.net' }));
    const ran = calls<{ ref: string; at: number }>(7);
    let failures = 0;
    const queue = queueOver(jobs, async (job: ChatwootJobRow): Promise<StepOutcome> => {
      ran.record({ ref: job.ref, at: Date.now() });
      if (job.ref === 'refused') return { kind: 'dead', error: 'HTTP 422 Unprocessable' };
      if (job.ref === 'flaky' && failures++ === 0) return { kind: 'retry', error: 'HTTP 503' };
      return { kind: 'done' };
    });
    try {
      queue.wake([lane(A, LANE), lane(A, 'chat:2@s.whatsapp.net'), lane(A, 'chat:3@s.whatsapp.net')]);
      await ran.all;
    } finally {
      await queue.close();
    }
    const order = ran.seen.map((r) => r.ref);
    const [firstTry, secondTry] = ran.seen.filter((r) => r.ref === 'flaky');
    expect(secondTry!.at - firstTry!.at).toBeGreaterThanOrEqual(BASE_DELAY - 5);
    expect(order.indexOf('after')).toBeGreaterThan(order.lastIndexOf('flaky'));
    // The other conversation did not wait for the retry.
    expect(order.indexOf('other#2')).toBeLessThan(order.lastIndexOf('flaky'));
    const rows = (await jobs.list({ limit: 10, offset: 0 })).rows;
    expect(rows.find((r) => r.ref === 'flaky')).toMatchObject({ status: 'done', attempts: 2, lastError: null });
    expect(rows.find((r) => r.ref === 'refused')).toMatchObject({ status: 'dead', attempts: 1, lastError: 'HTTP 422 Unprocessable' });
  });
});
