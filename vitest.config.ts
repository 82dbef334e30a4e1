import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// Tests run against the workspaces' TypeScript sources, without a build step. (At run time
// the same mapping comes from the `source` export condition; aliases also cover vitest's
// global-setup runner, which ignores custom conditions.)
export default defineConfig({
  resolve: {
    alias: [
      { find: /^@wirefleet\/shared\/(.*)$/, replacement: root('./shared/src/$1/index.ts') },
      { find: /^@wirefleet\/migrations$/, replacement: root('./migrations/src/index.ts') },
      { find: /^@wirefleet\/auth-api$/, replacement: root('./auth-api/src/index.ts') },
      { find: /^@wirefleet\/gateway-service$/, replacement: root('./gateway-service/src/index.ts') },
      { find: /^@wirefleet\/node-agent$/, replacement: root('./node-agent/src/index.ts') },
    ],
  },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['*/src/**/*.test.ts'],
          exclude: ['**/*.int.test.ts', '**/node_modules/**'],
        },
      },
      {
        // The dashboard's components and state, in a DOM (happy-dom), with Preact's JSX and the
        // browser's stand-in for node:net, as its Vite build has them.
        extends: true,
        resolve: {
          alias: [{ find: /^node:net$/, replacement: root('./auth-api/web/src/platform/node-net.ts') }],
        },
        oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
        test: {
          name: 'web',
          include: ['auth-api/web/src/**/*.test.{ts,tsx}'],
          environment: 'happy-dom',
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['*/src/**/*.int.test.ts', 'test/**/*.test.ts'],
          // The fault suite runs alone (vitest.faults.config.ts, `npm run test:faults`).
          exclude: ['**/node_modules/**', 'test/faults/faults.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
