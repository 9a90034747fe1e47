import fs from 'node:fs';
import { Router, type Response } from 'express';
import { z } from 'zod';
import type { Conversations } from '../../conversations/conversations.js';
import type { ApiRegistry } from '../api-registry.js';
import { currentPrincipal } from '../auth-middleware.js';
import { errorSchema } from '../schemas.js';

/** `bytes=a-b`, `bytes=a-`, `bytes=-n` (one range; several are answered with the whole file, as RFC 9110 allows). */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'whole' | 'unsatisfiable' {
  if (!header) return 'whole';
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return header.includes(',') ? 'whole' : 'unsatisfiable';
  const [, from = '', to = ''] = match;
  if (from === '' && to === '') return 'unsatisfiable';
  if (from === '') {
    const suffix = Number(to);
    if (suffix === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(from);
  const end = to === '' ? size - 1 : Math.min(Number(to), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}

/** A name for Content-Disposition: ASCII fallback plus the UTF-8 form (RFC 6266 / 5987). */
function disposition(fileName: string | null): string {
  if (!fileName) return 'inline';
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `inline; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

function send(res: Response, file: string, options: { start?: number; end?: number }): Promise<void> {
  return new Promise((resolve) => {
    const stream = fs.createReadStream(file, options);
    stream.on('error', () => res.destroy());
    res.on('close', () => {
      stream.destroy();
      resolve();
    });
    stream.pipe(res);
  });
}

/** The file of a stored message, streamed from the media cache (fetched from the number's child on first use). */
export function messageMediaRoutes(api: ApiRegistry, conversations: Conversations): Router {
  const router = Router();
  api.route(
    router,
    {
      method: 'get',
      path: '/api/messages/:id/media',
      summary: "A stored message's file (Range requests, its content type); fetched from the number's child and cached (MEDIA_CACHE_*)",
      tag: 'conversations',
      permission: { scope: 'media:read' },
      params: z.object({ id: z.string().min(1).max(100) }),
      responses: {
        200: { description: 'The file' },
        206: { description: 'The requested byte range' },
        404: { description: 'No such message (or not yours), no media, or WhatsApp no longer has the file (MEDIA_GONE)', schema: errorSchema },
        409: { description: "The number's process is not running, so the file cannot be fetched now (MEDIA_UNAVAILABLE)", schema: errorSchema },
        416: { description: 'Range not satisfiable' },
      },
    },
    async ({ params }, req, res) => {
      const media = await conversations.media.open(currentPrincipal(req), params.id);
      try {
        res.set({
          'Content-Type': media.mime,
          'Accept-Ranges': 'bytes',
          'Content-Disposition': disposition(media.fileName),
          'Cache-Control': 'private, max-age=3600',
          'X-Content-Type-Options': 'nosniff',
        });
        const range = parseRange(req.get('range'), media.size);
        if (range === 'unsatisfiable') {
          res.status(416).set('Content-Range', `bytes */${media.size}`).end();
          return;
        }
        if (range === 'whole') {
          res.status(200).set('Content-Length', String(media.size));
          await send(res, media.file, {});
          return;
        }
        res
          .status(206)
          .set({ 'Content-Range': `bytes ${range.start}-${range.end}/${media.size}`, 'Content-Length': String(range.end - range.start + 1) });
        await send(res, media.file, range);
      } finally {
        media.done();
      }
    },
  );
  return router;
}
