import type { BenchContext, BenchResult, BenchSuite } from '../types.js';
import { measureLogin } from './auth/login.js';
import { measureLoginFloodMemory } from './auth/memory.js';
import { measureRefreshThroughput } from './auth/refresh.js';

export const suite: BenchSuite = {
  name: 'auth',
  title: 'auth-api: login, refresh, memory under a login flood',
  description: [
    'Production Argon2 parameters throughout (argon2id, 48 MiB, t=3, p=1) and rate limits raised out of the',
    'way. **Login** runs the auth-api in the bench process and compares each login with a bare',
    '`argon2.verify` of a hash with the same parameters, measured interleaved in the same process.',
    '**Refresh** runs the auth-api as a child process (`node auth-api/dist/main.js`) on real Postgres and',
    'Redis, 32 sessions each walking its own refresh chain; the bench process is the load generator. In',
    'alternating rounds of the same run it is measured beside a trivial Express 5 route (its own child',
    'process), the floor of its SQL (one `UPDATE … RETURNING` plus one `INSERT` from a bare pg client at',
    'the same concurrency), AUTH_API_WORKERS=2, and each optimisation of the refresh against what it',
    'replaced (the "Step" rows). **Memory** fires a login flood at a child auth-api and reads its',
    'peak RSS (VmHWM) from /proc.',
  ].join(' '),
  async run(ctx: BenchContext): Promise<BenchResult[]> {
    const results: BenchResult[] = [];
    results.push(...(await measureLogin(ctx)));
    results.push(...(await measureRefreshThroughput(ctx)));
    results.push(...(await measureLoginFloodMemory(ctx)));
    return results;
  },
};
