import type { Histogram } from 'prom-client';
import type { PlainHandler } from './plain-handler.js';

type Labelled = ReturnType<Histogram<'method' | 'route' | 'status'>['labels']>;

/**
 * Times every request by its route pattern (not the raw URL, so 500 numbers do not make 500 series): Express's
 * matched route, `/proxy/*` for the proxy, `unmatched` for the rest. The labelled series are kept once made, so a
 * request costs one observation, not a label lookup.
 */
export function httpTiming(histogram: Histogram<'method' | 'route' | 'status'>): PlainHandler {
  const series = new Map<string, Labelled>();
  return (req, res, next) => {
    const started = performance.now();
    res.once('finish', () => {
      const express = req as { route?: { path?: unknown }; baseUrl?: string };
      const route =
        typeof express.route?.path === 'string' ? `${express.baseUrl ?? ''}${express.route.path}` : /^\/proxy\//i.test(req.url ?? '') ? '/proxy/*' : 'unmatched';
      const status = String(res.statusCode);
      const key = `${req.method ?? ''} ${route} ${status}`;
      let labelled = series.get(key);
      if (!labelled) {
        labelled = histogram.labels({ method: req.method ?? '', route, status });
        series.set(key, labelled);
      }
      labelled.observe((performance.now() - started) / 1000);
    });
    next();
  };
}
