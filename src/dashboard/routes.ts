import fs from 'node:fs';
import path from 'node:path';
import express, { Router, type Response } from 'express';
import { renderIndex, type PageSettings } from './index-page.js';
import { dashboardHeaders } from './security-headers.js';

export interface DashboardOptions extends PageSettings {
  /** The Vite build (dist/ui): index.html and hashed assets/. */
  readonly distDir: string;
}

/**
 * Serves the dashboard: `/` redirects to it, hashed assets are cached for a year (their names change with their
 * content), index.html is never cached and gets the base path and a fresh style nonce per response, and every other
 * path under the base answers index.html so deep links work (the page routes itself).
 */
export function dashboardRoutes(options: DashboardOptions): Router {
  const router = Router();
  const { basePath, publicPrefix, distDir } = options;
  const home = `${publicPrefix}${basePath}/`;
  const indexFile = path.join(distDir, 'index.html');
  const page = (res: Response): void => {
    let template: string;
    try {
      // Read each time (a small file, rarely asked for): a rebuild while the gateway runs is served at once.
      template = fs.readFileSync(indexFile, 'utf8');
    } catch {
      res.status(503).set(dashboardHeaders(null)).type('text/plain').send('The dashboard is not built: run `npm run build`.\n');
      return;
    }
    const { html, nonce } = renderIndex(template, options);
    res.set({ ...dashboardHeaders(nonce), 'Cache-Control': 'no-cache' }).type('html').send(html);
  };

  router.get('/', (_req, res) => res.redirect(302, home));
  // Without the trailing slash, relative URLs would resolve one level up.
  router.get(basePath, (req, res, next) => (req.path.endsWith('/') ? next() : res.redirect(302, home)));
  router.use(`${basePath}/assets`, (_req, res, next) => {
    res.set(dashboardHeaders(null));
    next();
  });
  router.use(
    `${basePath}/assets`,
    express.static(path.join(distDir, 'assets'), { immutable: true, maxAge: '365d', index: false, redirect: false }),
    // A missing asset is a 404, never the page (a stale tab asking for an old chunk must see it fail).
    (_req: express.Request, res: express.Response) => void res.status(404).type('text/plain').send('Not found\n'),
  );
  router.get(`${basePath}/{*splat}`, (req, res, next) => {
    // Files at the build's top level (favicon.svg), then the page itself for every route of the app.
    const name = req.path.slice(basePath.length + 1);
    if (/^[A-Za-z0-9._-]+\.(svg|png|ico|txt|webmanifest)$/.test(name) && fs.existsSync(path.join(distDir, name))) {
      res.set({ ...dashboardHeaders(null), 'Cache-Control': 'public, max-age=3600' }).sendFile(path.join(distDir, name), (err) => err && next(err));
      return;
    }
    page(res);
  });
  return router;
}
