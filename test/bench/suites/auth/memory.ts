import { loadAuthApiConfig } from '@wirefleet/auth-api';
import {
  BENCH_ADMIN,
  benchAuthEnv,
  JsonClient,
  firstLogin,
  startChildAuthApi,
} from '../../support/auth-api.js';
import { readMemory } from '../../support/procfs.js';
import type { BenchContext, BenchResult } from '../../types.js';

const MiB = 1024;

/**
 * Peak RSS of an auth-api child process while `count` logins arrive at once. The kernel's
 * VmHWM is the authoritative peak; a 10 ms VmRSS sampler runs beside it as a cross-check.
 */
export async function measureLoginFloodMemory(ctx: BenchContext): Promise<BenchResult[]> {
  const count = ctx.scale(200, 40);
  // The same config parsing the child does, so the bound uses the concurrency it really runs with.
  const { argon2 } = loadAuthApiConfig(benchAuthEnv()).config;
  const boundMiB = argon2.maxConcurrency * (argon2.memoryKib / MiB) + 150;
  ctx.progress(
    `starting an auth-api child (ARGON2_MAX_CONCURRENCY ${argon2.maxConcurrency}, queue ${argon2.maxQueue})`,
  );
  const api = await startChildAuthApi();
  const client = new JsonClient(api.url, count);
  try {
    await firstLogin(client);
    const idle = readMemory(api.pid);
    let sampledPeakKiB = idle.rssKiB;
    const sampler = setInterval(() => {
      sampledPeakKiB = Math.max(sampledPeakKiB, readMemory(api.pid).rssKiB);
    }, 10);
    ctx.progress(`firing ${count} concurrent logins`);
    const started = Date.now();
    const statuses = new Map<number, number>();
    try {
      await Promise.all(
        Array.from({ length: count }, async () => {
          const reply = await client.request('POST', '/v1/auth/login', BENCH_ADMIN);
          statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
        }),
      );
    } finally {
      clearInterval(sampler);
    }
    const seconds = (Date.now() - started) / 1000;
    const after = readMemory(api.pid);
    const peakMiB = after.hwmKiB / MiB;
    const others = [...statuses.entries()].filter(([status]) => ![200, 401, 503].includes(status));
    ctx.progress(`flood answered in ${seconds.toFixed(1)} s; peak ${peakMiB.toFixed(0)} MiB`);
    const count200 = statuses.get(200) ?? 0;
    const count503 = statuses.get(503) ?? 0;
    return [
      {
        metric: `Peak RSS, ${count} concurrent logins`,
        value: peakMiB,
        unit: 'MiB',
        baseline: { label: 'RSS at rest just before the flood', value: idle.rssKiB / MiB },
        goal: `≤ hash bound × 48 MiB + 150 MiB = ${argon2.maxConcurrency} × ${argon2.memoryKib / MiB} + 150 = ${boundMiB} MiB`,
        met: peakMiB <= boundMiB,
        notes:
          `VmHWM of the auth-api process (the compiled build, \`node auth-api/dist/main.js\`, as production ` +
          `runs it); VmHWM before the flood was ${(idle.hwmKiB / MiB).toFixed(0)} MiB, the 10 ms VmRSS sampler ` +
          `saw at most ${(sampledPeakKiB / MiB).toFixed(0)} MiB, RSS after the flood ${(after.rssKiB / MiB).toFixed(0)} MiB. ` +
          `Peak − rest = ${(peakMiB - idle.rssKiB / MiB).toFixed(0)} MiB, against ${argon2.maxConcurrency} × ` +
          `${argon2.memoryKib / MiB} = ${(argon2.maxConcurrency * argon2.memoryKib) / MiB} MiB of hashing memory. ` +
          `Hash bound = ARGON2_MAX_CONCURRENCY (default: cores) = ${argon2.maxConcurrency}. The flood took ${seconds.toFixed(1)} s.`,
      },
      {
        metric: 'Flood logins answered 200',
        value: count200,
        unit: 'logins',
        notes: `${argon2.maxConcurrency} hashing + ${argon2.maxQueue} queued (ARGON2_MAX_QUEUE) can be admitted at once.`,
      },
      { metric: 'Flood logins answered 401', value: statuses.get(401) ?? 0, unit: 'logins' },
      {
        metric: 'Flood logins answered 503 (server_busy)',
        value: count503,
        unit: 'logins',
        ...(others.length > 0
          ? { notes: `other statuses: ${others.map(([s, n]) => `${n}× ${s}`).join(', ')}` }
          : {}),
      },
    ];
  } finally {
    client.close();
    await api.close();
  }
}
