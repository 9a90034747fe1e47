import crypto from 'node:crypto';

/**
 * UUIDs of version 7 (RFC 9562): the first 48 bits are the time in ms, then a 12-bit counter, then random bits. Ids
 * drawn in one process come out in strictly increasing order (the counter counts within a millisecond, and a clock
 * that steps back is held at the last time), so sorting by id is sorting by when they were drawn.
 */
export function uuid7Source(now: () => number = Date.now): () => string {
  let lastMs = 0;
  let counter = 0;
  // Random bytes drawn 4 KiB at a time (as crypto.randomUUID does): one system call per 256 ids, not per id.
  const pool = Buffer.alloc(4096);
  let offset = pool.length;
  return () => {
    let ms = now();
    if (ms <= lastMs) {
      ms = lastMs;
      counter++;
      if (counter > 0xfff) {
        ms = lastMs + 1;
        counter = 0;
      }
    } else counter = 0;
    lastMs = ms;
    if (offset === pool.length) {
      crypto.randomFillSync(pool);
      offset = 0;
    }
    const bytes = Buffer.from(pool.subarray(offset, (offset += 16)));
    bytes.writeUIntBE(ms, 0, 6);
    bytes[6] = 0x70 | (counter >> 8);
    bytes[7] = counter & 0xff;
    bytes[8] = 0x80 | (bytes[8]! & 0x3f);
    const hex = bytes.toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  };
}
