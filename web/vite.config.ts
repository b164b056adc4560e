import { defineConfig } from 'vitest/config';

// The server serves the built client from src/indaba/web_dist: index.html for
// every non-/api path and the bundles under /assets/.
export default defineConfig({
  base: '/',
  resolve: {
    // No Node built-in in the browser bundle (src/conversation/noNodeCrypto.ts).
    alias: [
      {
        find: /^crypto$/,
        replacement: decodeURIComponent(new URL('./src/conversation/noNodeCrypto.ts', import.meta.url).pathname),
      },
    ],
  },
  build: {
    outDir: '../src/indaba/web_dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    // Keep every asset a file of our own origin (CSP: no inline anything).
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    target: 'es2022',
  },
  server: {
    // `npm run dev` against a local `indaba serve`.
    proxy: { '/api': 'http://127.0.0.1:8000' },
  },
  test: {
    environment: 'jsdom',
    include: ['test/**/*.test.ts'],
  },
});
