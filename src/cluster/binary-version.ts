import fs from 'node:fs';
import { clusterErrors } from './errors.js';

/**
 * The version of the binary this node would start, before any child runs: a node may only claim a number whose
 * session store no newer binary has opened (`min_gowa_version`), so it must know its own at join. The binary has no
 * --version flag; scripts/install-binary.sh writes the version it installed beside it (`<binary>.version`).
 */
export function installedBinaryVersion(binaryPath: string): string {
  const file = `${binaryPath}.version`;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw clusterErrors.binaryVersionUnknown(file);
  }
  const version = text.trim().replace(/^v/, '');
  if (!/^\d+\.\d+\.\d+$/.test(version)) throw clusterErrors.binaryVersionUnknown(file);
  return version;
}
