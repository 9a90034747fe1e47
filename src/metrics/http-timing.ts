import type { RequestHandler } from 'express';
import type { Histogram } from 'prom-client';

/** Times every request by its route pattern (not the raw URL, so 500 numbers do not make 500 series). */
export function httpTiming(histogram: Histogram<'method' | 'route' | 'status'>): RequestHandler {
  return (req, res, next) => {
    const end = histogram.startTimer();
    res.on('finish', () => {
      const pattern = req.route && typeof req.route.path === 'string' ? `${req.baseUrl}${req.route.path}` : req.path.startsWith('/proxy/') ? '/proxy/*' : 'unmatched';
      end({ method: req.method, route: pattern, status: String(res.statusCode) });
    });
    next();
  };
}
