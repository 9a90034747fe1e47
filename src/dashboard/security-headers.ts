/**
 * Headers of every dashboard response. The page runs only its own bundled scripts (no inline script, no eval, no
 * CDN), talks only to its own origin, and cannot be framed. Styles: the bundled CSS, plus the few `<style>`
 * elements Radix's scroll lock adds at run time, which carry the per-response nonce.
 */
export function dashboardHeaders(nonce: string | null): Record<string, string> {
  const styles = nonce ? `'self' 'nonce-${nonce}'` : "'self'";
  const csp = [
    "default-src 'none'",
    "script-src 'self'",
    `style-src ${styles}`,
    // data: for the QR codes (inlined), blob: for chat images the page fetched with its token (never a token in a URL).
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "manifest-src 'self'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');
  return {
    'Content-Security-Policy': csp,
    'X-Frame-Options': 'DENY',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=()',
  };
}
