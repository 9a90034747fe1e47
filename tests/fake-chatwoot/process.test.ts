/** The fake as a program: help, configuration errors, ports, signals, and the state file surviving a restart (even a SIGKILL). */
import { afterAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanupFakeChatwoots, FAKE_CHATWOOT_BIN, startFakeChatwoot } from '../helpers/fake-chatwoot.js';
import { A, conversationFor, postMessage, seed } from './support.js';

const dirs: string[] = [];
afterAll(async () => {
  await cleanupFakeChatwoots();
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(FAKE_CHATWOOT_BIN, args, { env: { PATH: process.env.PATH ?? '', SIM_TEST_RUN: process.env.SIM_TEST_RUN ?? '', FAKE_CHATWOOT_PORT: '0', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('command line', () => {
  it('--help prints the usage and exits 0', async () => {
    const res = await run(['--help']);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('Usage: chatwoot-fake');
  });

  it('an unknown argument exits 2 with the usage', async () => {
    const res = await run(['--nope']);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('unknown argument: --nope');
  });

  it('bad settings exit 1 listing every problem', async () => {
    const res = await run([], { FAKE_CHATWOOT_VERSION: 'four', CONVERSATION_MESSAGE_PER_MINUTE_LIMIT: '-1', FAKE_CHATWOOT_SEED: '{"accounts":[]}' });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('FAKE_CHATWOOT_VERSION: not a version X.Y.Z: "four"');
    expect(res.stderr).toContain('CONVERSATION_MESSAGE_PER_MINUTE_LIMIT: must be an integer of at least 1');
    expect(res.stderr).toContain('FAKE_CHATWOOT_SEED: accounts:');
  });

  it('a port in use exits 1', async () => {
    const blocker: Server = createServer();
    const port = await new Promise<number>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as { port: number }).port)));
    const res = await run(['--port', String(port)]);
    blocker.close();
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('EADDRINUSE');
  });

  it('SIGTERM stops it with exit 0 and frees the port', async () => {
    const cw = await startFakeChatwoot();
    const port = cw.apiPort;
    await cw.stop();
    expect((await cw.exited).code).toBe(0);
    const again = createServer();
    await new Promise<void>((resolve, reject) => {
      again.once('error', reject);
      again.listen(port, '127.0.0.1', () => resolve());
    });
    again.close();
  });
});

describe('state file', () => {
  it.each(['SIGTERM', 'SIGKILL'])('contacts, conversations, messages, bytes and id counters survive a restart after %s', async (signal) => {
    const dir = await mkdtemp(join(tmpdir(), 'fake-chatwoot-'));
    dirs.push(dir);
    const stateFile = join(dir, 'state.json');
    const first = await startFakeChatwoot({ seed: seed(), stateFile });
    const { conversationId, contactId } = await conversationFor(first);
    const form = new FormData();
    form.set('content', 'with bytes');
    form.append('attachments[]', new Blob([Buffer.from('persisted bytes')], { type: 'application/pdf' }), 'p.pdf');
    const posted = await first.api<{ id: number; attachments: { data_url: string }[] }>('POST', `${A}/conversations/${conversationId}/messages`, undefined, { raw: form });
    if (signal === 'SIGKILL') await first.kill();
    else await first.stop();

    const second = await startFakeChatwoot({ seed: seed(), stateFile, port: first.apiPort });
    expect((await second.api<{ payload: { id: number } }>('GET', `${A}/contacts/${contactId}`)).json.payload.id).toBe(contactId);
    const page = await second.api<{ payload: { id: number }[] }>('GET', `${A}/conversations/${conversationId}/messages`);
    expect(page.json.payload.map((m) => m.id)).toEqual([posted.json.id]);
    const bytes = Buffer.from(await (await fetch(posted.json.attachments[0]?.data_url ?? '')).arrayBuffer());
    expect(bytes.toString()).toBe('persisted bytes');
    const next = await postMessage(second, conversationId, { content: 'after restart' });
    expect(next.id).toBe(posted.json.id + 1);
    await second.stop();
  });
});
