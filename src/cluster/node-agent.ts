import PQueue from 'p-queue';
import type { Logger } from '../lib/logger.js';
import type { Listenable } from '../lib/typed-emitter.js';
import type { ChildRunner, StoreFencing } from './agent/children.js';
import type { MembershipEvents } from './membership.js';
import type { OwnershipHooks } from './ownership.js';
import type { ClaimReason, OwnershipEvents } from './ownership-state.js';

export interface NodeAgentDeps {
  readonly children: ChildRunner;
  readonly stores: StoreFencing;
  /** Written here, read by the supervisor's `storeUriFor`: the `DB_URI` each owned number's child is given. */
  readonly storeUris: Map<string, string>;
  /** The key the number's session store is named after (a bound pending number keeps its pending id's); default: the number. */
  readonly storeKeyOf?: (phoneNumber: string) => Promise<string>;
  /** Children started at once after a failover or any claim but a hand-over (the supervisor's RESTORE_CONCURRENCY). */
  readonly startConcurrency: number;
  /** That first wave of starts is spread over up to this long (RESTORE_JITTER), as at boot restore. */
  readonly startJitterMs: number;
  /** Children of numbers handed over (claimed `released`) started at once, without jitter (HANDOFF_CONCURRENCY). */
  readonly handoffConcurrency: number;
  readonly random?: () => number;
  readonly logger?: Logger;
}

/** The parts of a started cluster node the agent follows. */
export interface AgentNode {
  readonly membership: { readonly events: Listenable<MembershipEvents>; isLive(): boolean };
  readonly ownership: {
    readonly events: Listenable<OwnershipEvents>;
    markFailed(phoneNumber: string, fence: number, failed: boolean): Promise<void>;
  };
}

/**
 * Ownership drives the children (DM-7, DM-12, DM-18, DM-19). Takeover, in order: the claim (the ownership core)
 * → `prepare`: the number's session store is provisioned or moved to the new fence, which changes its password
 * and ends the old owner's backends → `acquired`: the child starts with that fence's `DB_URI`, bounded with
 * jitter after a failover, at once after a hand-over (the supervisor re-applies the per-number settings, webhook URL and secret and device
 * slot, at every start). Loss (taken, fenced, a write refused) kills the child at once with SIGKILL: someone else
 * may own the number already. A drain stops the child gracefully and waits for its exit before the release. A
 * child that crash-loops to `failed` stays here, marked failed, and is never handed around.
 */
export class NodeAgent {
  /** Numbers this node owns and may run, with the fence they were taken with. */
  private readonly owned = new Map<string, number>();
  private readonly failedMarked = new Set<string>();
  /** Failover, new numbers, re-asserted ones: a dead node's 200 numbers must not all start at once on a survivor. */
  private readonly starts: PQueue;
  /**
   * Hand-overs: a planned move whose old child has already exited, so the number is down until this start; its
   * own, wider limit, so a drain's numbers do not wait in waves behind each other (F-10: under 5 s).
   */
  private readonly handoffs: PQueue;
  private node: AgentNode | null = null;
  /** Give these to `startClusterNode`: they run inside the ownership core's takeover and hand-over. */
  readonly hooks: OwnershipHooks;

  constructor(private readonly deps: NodeAgentDeps) {
    this.starts = new PQueue({ concurrency: deps.startConcurrency });
    this.handoffs = new PQueue({ concurrency: deps.handoffConcurrency });
    this.hooks = {
      prepare: (phoneNumber, fence) => this.prepare(phoneNumber, fence),
      beforeRelease: (phoneNumber) => this.handOver(phoneNumber),
    };
  }

  /** Follow a started node; returns the function that stops following. */
  attach(node: AgentNode): () => void {
    this.node = node;
    const offs = [
      node.ownership.events.on('acquired', (e) => this.acquired(e.phoneNumber, e.fence, e.claim)),
      node.ownership.events.on('lost', (e) => this.lost(e.phoneNumber)),
      node.ownership.events.on('renamed', (e) => this.renamed(e.from, e.to)),
      // The ownership core reports every number lost too; this also catches a child it never knew of.
      node.membership.events.on('fenced', () => this.killAll()),
      this.deps.children.events.on('state', (e) => this.stateChanged(e.phoneNumber, e.to)),
    ];
    return () => {
      for (const off of offs) off();
      this.node = null;
    };
  }

  /** Numbers owned here and allowed to run. */
  owns(phoneNumber: string): boolean {
    return this.owned.has(phoneNumber);
  }

  /**
   * The supervisor's `mayRestart`, asked when the gateway runs again after its child watchdog killed the children
   * (DM-16): owned, and the node's lease still good by its own monotonic clock. After a pause past the lease the
   * answer is no even before the loss is reported: someone else may own the number by now, and the loss stops it.
   */
  mayRun(phoneNumber: string): boolean {
    return this.owned.has(phoneNumber) && (this.node?.membership.isLive() ?? false);
  }

  private async prepare(phoneNumber: string, fence: number): Promise<void> {
    const storeKey = (await this.deps.storeKeyOf?.(phoneNumber)) ?? phoneNumber;
    const { uri } = await this.deps.stores.provision(storeKey, fence);
    this.deps.storeUris.set(phoneNumber, uri);
  }

  private acquired(phoneNumber: string, fence: number, claim: ClaimReason): void {
    this.owned.set(phoneNumber, fence);
    const handedOver = claim === 'released';
    const queue = handedOver ? this.handoffs : this.starts;
    // Jitter spreads a failover's first wave, as at boot restore; a hand-over has nothing to spread and waits for nothing.
    const jitter = !handedOver && this.starts.size + this.starts.pending < this.deps.startConcurrency;
    void queue.add(() => this.startOwned(phoneNumber, fence, jitter)).catch((err: unknown) => this.deps.logger?.error({ phoneNumber, err }, 'cluster: could not start an owned number'));
  }

  private async startOwned(phoneNumber: string, fence: number, jitter: boolean): Promise<void> {
    if (jitter) await new Promise((resolve) => setTimeout(resolve, Math.floor((this.deps.random ?? Math.random)() * this.deps.startJitterMs)));
    const current = (): boolean => this.owned.get(phoneNumber) === fence;
    if (!current()) return;
    const { children } = this.deps;
    if (!children.runner(phoneNumber)) await children.register({ phoneNumber, name: phoneNumber }, false);
    if (!current()) return;
    await children.start(phoneNumber, 'automatic');
    // Lost while it started: the kill may have come before the spawn.
    if (!current()) await this.stopLost(phoneNumber);
  }

  /** A pending number bound to its phone: the same claim and child, known by the phone from now on. */
  private renamed(from: string, to: string): void {
    const fence = this.owned.get(from);
    const uri = this.deps.storeUris.get(from);
    this.owned.delete(from);
    this.deps.storeUris.delete(from);
    if (fence !== undefined) this.owned.set(to, fence);
    if (uri !== undefined) this.deps.storeUris.set(to, uri);
    if (this.failedMarked.delete(from)) this.failedMarked.add(to);
  }

  private lost(phoneNumber: string): void {
    this.owned.delete(phoneNumber);
    this.deps.storeUris.delete(phoneNumber);
    this.failedMarked.delete(phoneNumber);
    void this.stopLost(phoneNumber);
  }

  /** SIGKILL now; then a start that had not spawned yet is stopped once it lets go of the number's lock. */
  private async stopLost(phoneNumber: string): Promise<void> {
    this.deps.children.killNow(phoneNumber);
    if (!this.deps.children.runner(phoneNumber)) return;
    await this.deps.children.stop(phoneNumber).catch((err: unknown) => this.deps.logger?.warn({ phoneNumber, err }, 'cluster: stopping a lost number failed'));
  }

  private killAll(): void {
    for (const { phoneNumber } of this.deps.children.list()) this.deps.children.killNow(phoneNumber);
  }

  private async handOver(phoneNumber: string): Promise<void> {
    const fence = this.owned.get(phoneNumber);
    this.owned.delete(phoneNumber);
    try {
      if (this.deps.children.runner(phoneNumber)) await this.deps.children.stop(phoneNumber);
    } catch (err) {
      // The ownership core keeps the number when this throws: so does the agent (a later loss still kills it).
      if (fence !== undefined) this.owned.set(phoneNumber, fence);
      throw err;
    }
    this.failedMarked.delete(phoneNumber);
    this.deps.storeUris.delete(phoneNumber);
  }

  /** DM-19: a crash-looping number is marked failed where it is (rebalancing leaves it), and unmarked once it runs. */
  private stateChanged(phoneNumber: string, to: string): void {
    const fence = this.owned.get(phoneNumber);
    if (fence === undefined || !this.node) return;
    const mark = to === 'failed' ? true : to === 'running' && this.failedMarked.has(phoneNumber) ? false : null;
    if (mark === null) return;
    if (mark) this.failedMarked.add(phoneNumber);
    else this.failedMarked.delete(phoneNumber);
    this.node.ownership.markFailed(phoneNumber, fence, mark).catch((err: unknown) => this.deps.logger?.warn({ phoneNumber, err }, 'cluster: could not record the failed mark'));
  }
}
