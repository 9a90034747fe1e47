import fs from 'node:fs';
import path from 'node:path';

/** The only file name a child may point at (docs/binary-contract.md §4): `scan-qr-<uuid v4>.png`. */
const QR_FILE = /^scan-qr-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.png$/i;

/**
 * The file name inside a child's `qr_link`, or null. The link itself (an absolute URL on the child's loopback
 * port, built from a Host header) is never trusted or handed on: only a name of the expected shape is kept.
 */
export function qrFileName(qrLink: string): string | null {
  let pathname: string;
  try {
    pathname = new URL(qrLink).pathname;
  } catch {
    return null;
  }
  const name = decodeURIComponent(pathname.split('/').pop() ?? '');
  return QR_FILE.test(name) ? name : null;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Read the PNG the child wrote under `<session dir>/statics/qrcode/` as a data URL. */
export async function readQrDataUrl(sessionDir: string, fileName: string): Promise<string | null> {
  if (!QR_FILE.test(fileName)) return null;
  const file = path.join(sessionDir, 'statics', 'qrcode', fileName);
  let data: Buffer;
  try {
    data = await fs.promises.readFile(file);
  } catch {
    return null;
  }
  if (data.length < PNG_SIGNATURE.length || !data.subarray(0, PNG_SIGNATURE.length).equals(PNG_SIGNATURE)) return null;
  return `data:image/png;base64,${data.toString('base64')}`;
}
