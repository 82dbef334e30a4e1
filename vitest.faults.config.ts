import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

// `npm run test:faults`: the fault suite alone (test/faults/faults.test.ts). It starts its own
// Postgres cluster and Redis and keeps two cores busy for minutes, so `npm test` leaves it out
// and .ci/run calls it after `npm test`. Same source aliases as the other tiers.
export default defineConfig({
  resolve: base.resolve,
  test: {
    name: 'faults',
    include: ['test/faults/faults.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 300_000,
    fileParallelism: false,
  },
});
