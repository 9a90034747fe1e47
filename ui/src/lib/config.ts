/** Where the page lives and where its API is, as the gateway injected them into index.html at serve time. */
export interface PageConfig {
  readonly base: string;
  readonly api: string;
  readonly socketPath: string;
  readonly nonce: string;
}

function read(): PageConfig {
  const meta = document.querySelector<HTMLMetaElement>('meta[name="wmp-config"]');
  if (meta) {
    try {
      return JSON.parse(meta.content) as PageConfig;
    } catch {
      // Fall through to the defaults (vite dev server).
    }
  }
  return { base: '/', api: '/api', socketPath: '/socket.io', nonce: '' };
}

export const config: PageConfig = read();
/** The base as a path ("/wa/dashboard/"), for the router. */
export const basePath = new URL(config.base, window.location.origin).pathname;
