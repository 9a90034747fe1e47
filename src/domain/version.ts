/** Release versions of the binary, `9.2.0` or `v9.2.0`; anything else is not a release we install. */
export type Version = readonly [number, number, number];

export function parseVersion(input: string): Version | null {
  const match = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(input.trim());
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : null;
}

export function compareVersions(a: Version, b: Version): number {
  for (let i = 0; i < 3; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

export function formatVersion(v: Version): string {
  return v.join('.');
}
