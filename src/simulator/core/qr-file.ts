/**
 * QR images as the binary writes them: a 512×512 PNG (go-qrcode, medium error correction, 4-module border)
 * at `statics/qrcode/scan-qr-<uuidv4>.png`, deleted `qr_duration` seconds later.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { uuid } from '../lib/ids.js';

export async function writeQrPng(dir: string, payload: string, deleteAfterSec: number): Promise<string> {
  // qrcode is loaded on the first login only: it is the heaviest module and most processes never need it.
  const { default: QRCode } = await import('qrcode');
  const name = `scan-qr-${uuid()}.png`;
  const path = join(dir, name);
  await QRCode.toFile(path, payload, { type: 'png', width: 512, margin: 4, errorCorrectionLevel: 'M' });
  setTimeout(() => void rm(path, { force: true }), deleteAfterSec * 1000).unref();
  return name;
}
