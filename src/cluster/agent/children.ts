/**
 * What the node agent needs of the thing that runs the numbers' children: the supervisor (src/supervisor/)
 * satisfies it as it is. Declared here, on the cluster's side, so the ownership core still imports nothing of
 * children (eslint LAYERS) and the agent can be read without the supervisor's internals.
 */
export interface ChildRunner {
  /** The number's supervised entry, if this node has one. */
  runner(phoneNumber: string): { readonly state: string } | undefined;
  /** Make the number known on this node (its local row and folder) without starting it. */
  register(device: { phoneNumber: string; name: string }, autoStart: false): Promise<unknown>;
  /** The supervisor's bounded, per-number-locked start; resolves once the child is ready or has failed. */
  start(phoneNumber: string, origin: 'automatic'): Promise<unknown>;
  /** Graceful: SIGTERM, the grace period, SIGKILL; resolves when the child has exited. */
  stop(phoneNumber: string): Promise<unknown>;
  /** SIGKILL now, outside the number's lock, never restarted. */
  killNow(phoneNumber: string): void;
  list(): readonly { readonly phoneNumber: string }[];
  readonly events: {
    on(event: 'state', listener: (change: { readonly phoneNumber: string; readonly to: string }) => void): () => void;
  };
}

/** The per-number session stores (src/cluster/session-store.ts), as the agent uses them. */
export interface StoreFencing {
  /** Create the store if missing and move it to `fence` (new password, old backends terminated). */
  provision(numberKey: string, fence: number): Promise<{ readonly uri: string }>;
}
