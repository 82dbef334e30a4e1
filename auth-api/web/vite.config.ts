import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (relative: string) => fileURLToPath(new URL(relative, import.meta.url));

/**
 * The dashboard build: two pages (the app at `/`, the API reference at `/docs`), written into
 * the auth-api's `dist/web`, which the auth-api serves. Shared code is taken from its TypeScript
 * source, like the services do at run time with the `source` condition.
 */
export default defineConfig({
  root: here('.'),
  base: '/',
  publicDir: here('public'),
  resolve: {
    alias: [
      { find: /^@wirefleet\/shared\/(.*)$/, replacement: here('../../shared/src/$1/index.ts') },
      // The shared schemas check IP addresses with node:net; the browser gets the same checks.
      { find: /^node:net$/, replacement: here('src/platform/node-net.ts') },
    ],
  },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: here('../dist/web'),
    emptyOutDir: true,
    target: 'es2022',
    // Hashed names under assets/: the auth-api serves that folder with a year-long cache.
    assetsDir: 'assets',
    chunkSizeWarningLimit: 2048,
    rollupOptions: { input: { app: here('index.html'), docs: here('docs/index.html') } },
  },
});
