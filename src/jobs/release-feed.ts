import { GatewayError } from '../domain/errors.js';
import { parseVersion, type Version } from '../domain/version.js';

/**
 * Reads the newest release from a GitHub-style feed: `releases/latest` (`{tag_name}`) or a list of releases
 * (drafts and pre-releases skipped).
 */
export async function fetchLatestRelease(url: string, timeoutMs = 15_000): Promise<Version> {
  let body: unknown;
  try {
    const res = await fetch(url, { headers: { accept: 'application/vnd.github+json', 'user-agent': 'wa-multi-platform-gateway' }, signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    body = await res.json();
  } catch (err) {
    throw new GatewayError('UPDATE_FAILED', `cannot read the release feed ${url}: ${(err as Error).message}`, undefined, { cause: err });
  }
  const releases = Array.isArray(body) ? body : [body];
  for (const release of releases) {
    if (typeof release !== 'object' || release === null) continue;
    const r = release as { tag_name?: unknown; draft?: unknown; prerelease?: unknown };
    if (r.draft === true || r.prerelease === true || typeof r.tag_name !== 'string') continue;
    const version = parseVersion(r.tag_name);
    if (version) return version;
  }
  throw new GatewayError('UPDATE_FAILED', `the release feed ${url} names no release version`);
}
