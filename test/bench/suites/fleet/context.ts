import type { FleetApi } from '../../support/fleet-api.js';
import type { SeededFleet } from '../../support/fleet-seed.js';
import type { FleetWatch } from '../../support/fleet-watch.js';
import type { BenchContext } from '../../types.js';

/** What every fleet measurement shares: one auth-api child, its seeded network, a watch on its rooms. */
export interface FleetBench {
  ctx: BenchContext;
  api: FleetApi;
  seed: SeededFleet;
  /** Access token of the bench admin (admin ⊃ operator: may PATCH nodes and create keys). */
  admin: string;
  watch: FleetWatch;
}

export function ms(value: number): string {
  return `${value.toFixed(value < 10 ? 2 : 1)} ms`;
}
