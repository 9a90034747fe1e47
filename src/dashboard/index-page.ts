import crypto from 'node:crypto';

export interface PageSettings {
  /** Where the gateway serves the dashboard (DASHBOARD_BASE_PATH), e.g. `/dashboard`. */
  readonly basePath: string;
  /** What a reverse proxy strips in front (PUBLIC_PATH_PREFIX), e.g. `/wa`; empty when none. */
  readonly publicPrefix: string;
}

/** What the page reads from `<meta name="wmp-config">`: where it lives and where the API is, as the browser sees them. */
export interface PageConfig {
  readonly base: string;
  readonly api: string;
  readonly socketPath: string;
  readonly nonce: string;
}

export const BUILD_MARKER = '<!--wmp:head-->';

const escapeAttr = (value: string) => value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * The built index.html with the serve-time base injected: Vite builds with relative asset URLs (`./assets/…`) and
 * `<base href>` anchors them, so the same build works at /dashboard, behind nginx at /wa/dashboard, or anywhere.
 */
export function renderIndex(template: string, settings: PageSettings): { html: string; nonce: string } {
  const nonce = crypto.randomBytes(16).toString('base64');
  const base = `${settings.publicPrefix}${settings.basePath}/`;
  const config: PageConfig = { base, api: `${settings.publicPrefix}/api`, socketPath: `${settings.publicPrefix}/socket.io`, nonce };
  const head = `<base href="${escapeAttr(base)}"><meta name="wmp-config" content="${escapeAttr(JSON.stringify(config))}">`;
  if (!template.includes(BUILD_MARKER)) throw new Error(`dashboard index.html has no ${BUILD_MARKER} marker`);
  return { html: template.replace(BUILD_MARKER, head), nonce };
}
