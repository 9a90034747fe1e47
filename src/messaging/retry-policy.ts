/**
 * Pure rules for one send attempt's outcome (no I/O): what a child's answer means for the message, and how long
 * to wait before the next try. The binary's error table: docs/binary-contract.md §5.
 */

/** A failed send, reduced to the facts the rules need. */
export type SendFailure =
  /** The child answered with a non-2xx status and its own error code. */
  | { readonly kind: 'http'; readonly status: number; readonly code: string; readonly message: string }
  /** No answer. `refused`: the connection was refused, so the request cannot have reached the child. */
  | { readonly kind: 'network'; readonly refused: boolean; readonly message: string };

export type Outcome =
  /** The message can never be sent as it is (bad recipient, validation): fail it with the reason. */
  | { readonly action: 'fail'; readonly reason: string }
  /** WhatsApp refused to let this number reach out for a while: pause the number's queue. */
  | { readonly action: 'pause'; readonly reason: string }
  /** The child is not able to send yet (not running, not connected, not logged in): wait, not the message's fault. */
  | { readonly action: 'wait'; readonly reason: string }
  /** Not sent, worth another try with backoff; counts toward the attempt limit. */
  | { readonly action: 'retry'; readonly reason: string }
  /** May or may not have been sent (timeout, reset): verify before sending again. */
  | { readonly action: 'verify'; readonly reason: string };

export function classifyFailure(failure: SendFailure): Outcome {
  if (failure.kind === 'network') {
    return failure.refused
      ? { action: 'wait', reason: `child not reachable: ${failure.message}` }
      : { action: 'verify', reason: `no answer from the child (${failure.message}); outcome unknown` };
  }
  const reason = `${failure.code}: ${failure.message}`.slice(0, 500);
  const { status, code } = failure;
  if (status === 429 || code === 'WA_REACHOUT_TIMELOCK') return { action: 'pause', reason };
  // 401: not connected / not logged in; INVALID_WA_CLI: the slot has no client yet (just started or never paired).
  if (status === 401 || code === 'INVALID_WA_CLI' || code === 'SESSION_SAVED_ERROR') return { action: 'wait', reason };
  // The device middleware could not pick the number's slot (docs/binary-contract.md §6): the slot set changed
  // under the gateway, which re-creates it on the next start. Not the message's fault.
  if (code === 'DEVICE_ID_REQUIRED' || code === 'DEVICE_NOT_FOUND') return { action: 'wait', reason };
  // 408 CONTEXT_ERROR and 504 GATEWAY_TIMEOUT: the binary gave up waiting for WhatsApp, which may have taken it.
  if (status === 408 || status === 504) return { action: 'verify', reason };
  if (status === 413) return { action: 'fail', reason };
  if (status >= 400 && status < 500 && status !== 404) return { action: 'fail', reason };
  // 404 (slot missing: the gateway re-creates it on the next start) and 5xx: not sent, try again.
  return { action: 'retry', reason };
}
