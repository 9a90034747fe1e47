import tailwindcss from '@tailwindcss/vite';
import { defineConfig } from 'vite';

/**
 * The dashboard build: relative asset URLs (the gateway injects `<base href>` at serve time, so one build works
 * under any path), hashed file names (cached for a year), no inline script, nothing fetched from elsewhere.
 */
export default defineConfig({
  root: 'ui',
  base: './',
  plugins: [tailwindcss()],
  oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
  build: {
    outDir: '../dist/ui',
    emptyOutDir: true,
    manifest: true,
    target: 'es2022',
    sourcemap: false,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
    rolldownOptions: {
      // React libraries mark modules "use client"; meaningless in a plain SPA bundle.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
  server: {
    // `npm run dev:ui` beside a gateway on :3000.
    proxy: { '/api': 'http://127.0.0.1:3000', '/socket.io': { target: 'ws://127.0.0.1:3000', ws: true } },
  },
});
