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
    '**Refresh** runs the auth-api as a child process (`auth-api/src/main.ts`) on real Postgres and Redis;',
    'the bench process is the load generator. The baseline is the same loop against a trivial Express 5',
    'route in its own child process. **Memory** fires a login flood at a child auth-api and reads its',
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
