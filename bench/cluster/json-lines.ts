/** What a cluster test process reports: one JSON line per event on stdout; a failure is also told on stderr. */
export function jsonLines(nodeId: string, failCode: string): { say: (event: string, fields?: Record<string, unknown>) => void; fail: (err: unknown) => never } {
  const say = (event: string, fields: Record<string, unknown> = {}): void => {
    process.stdout.write(`${JSON.stringify({ event, node: nodeId, t: Date.now(), ...fields })}\n`);
  };
  const fail = (err: unknown): never => {
    const code = typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : failCode;
    const message = err instanceof Error ? err.message : String(err);
    say('error', { code, message });
    process.stderr.write(`${code}: ${message}\n`);
    process.exit(1);
  };
  return { say, fail };
}
