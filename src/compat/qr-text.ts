import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';

// jsqr is CommonJS with an ES-style `export default` in its types: the function is `.default` or the module.
const jsQR = ((jsQRModule as unknown as { default?: typeof jsQRModule }).default ?? jsQRModule) as unknown as (
  data: Uint8ClampedArray,
  width: number,
  height: number,
  options?: { inversionAttempts?: 'dontInvert' | 'onlyInvert' | 'attemptBoth' | 'invertFirst' },
) => { data: string } | null;

const PREFIX = 'data:image/png;base64,';
/** The binary writes 512×512 images; anything far larger is not one of its QR files. */
const MAX_PIXELS = 4096 * 4096;

/**
 * The text a QR image encodes: the legacy server handed Flask Baileys' raw QR string, while the binary only
 * writes a PNG (docs/binary-contract.md §8), so the layer reads it back from the image. Null when the image is
 * not a PNG or holds no readable code.
 */
export function qrTextOf(dataUrl: string): string | null {
  if (!dataUrl.startsWith(PREFIX)) return null;
  let png: PNG;
  try {
    png = PNG.sync.read(Buffer.from(dataUrl.slice(PREFIX.length), 'base64'));
  } catch {
    return null;
  }
  if (png.width * png.height > MAX_PIXELS) return null;
  const pixels = new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.byteLength);
  return jsQR(pixels, png.width, png.height, { inversionAttempts: 'dontInvert' })?.data ?? null;
}
