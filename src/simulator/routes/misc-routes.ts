/** `/ws` (the realtime feed) and `/` (the dashboard), both behind the device middleware as in the binary. */
import type { Socket } from 'node:net';
import type { Services } from '../app.js';
import { sendJson, sendText } from '../http/respond.js';
import type { Router } from '../http/router.js';
import { APP_VERSION } from './app-routes.js';

/** What `/` serves when the dashboard could not be downloaded (the stand-in never downloads it). */
const FALLBACK_UI = '<!doctype html><html><head><title>GOWA</title></head><body><h1>WhatsApp API</h1>' +
  '<p>The dashboard is not available (offline). The REST API works.</p></body></html>';

export function registerMiscRoutes(scoped: Router, services: Services): void {
  scoped.on('GET', '/ws', (ctx) => {
    if (!ctx.upgrade || (ctx.header('upgrade').toLowerCase() !== 'websocket')) return sendText(ctx.res, 426, 'Upgrade Required');
    const { socket, head } = ctx.upgrade;
    ctx.res.detachSocket(socket as Socket);
    services.hub.accept(ctx.req, socket, head);
  });

  scoped.on('GET', '/', (ctx) => {
    if (!services.config.uiEnabled) {
      sendJson(ctx.res, 200, { code: 'SUCCESS', message: `gowa ${APP_VERSION} — UI disabled` });
      return;
    }
    ctx.res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(FALLBACK_UI) });
    ctx.res.end(FALLBACK_UI);
  });
}
