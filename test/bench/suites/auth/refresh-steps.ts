/**
 * The parts of a refresh measured alone, each before and after its optimisation, in the same
 * run: the rotation's SQL (and the floor the issue set: a bare pg client's UPDATE + INSERT) and
 * the access token's ES256 signature.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { ACCESS_TOKEN_TYP } from '@wirefleet/shared/tokens';
import jwt from 'jsonwebtoken';
import { signCompactJws } from '../../../../auth-api/src/identity/tokens/compact-jws.js';
import type { LoadResult } from '../../support/load.js';
import { openRotationBench, type RotationBench } from '../../support/refresh-sql.js';
import { median } from '../../support/stats.js';

export interface SqlRound {
  floor: LoadResult;
  knexRaw: LoadResult;
  prepared: LoadResult;
  /** This process's CPU per rotation (µs): the client side of each way. */
  clientMicros: { floor: number; knexRaw: number; prepared: number };
}

/** One window of `rotation`, with this process's CPU per completed rotation. */
async function timed(bench: RotationBench, which: 'floor' | 'knexRaw' | 'prepared', durationMs: number) {
  await bench.run(bench[which], Math.min(1_000, durationMs));
  const before = process.cpuUsage();
  const load = await bench.run(bench[which], durationMs);
  const used = process.cpuUsage(before);
  return { load, micros: (used.user + used.system) / Math.max(1, load.completed) };
}

/** The SQL side, opened once; `round()` measures the three ways back to back, order alternating. */
export async function openSqlSteps(concurrency: number) {
  const bench = await openRotationBench(concurrency);
  let rounds = 0;
  return {
    database: bench.database.name,
    async round(durationMs: number): Promise<SqlRound> {
      const order = ['floor', 'knexRaw', 'prepared'] as const;
      const results = new Map<string, Awaited<ReturnType<typeof timed>>>();
      for (const which of rounds % 2 === 0 ? order : [...order].reverse())
        results.set(which, await timed(bench, which, durationMs));
      rounds += 1;
      const get = (which: string) => results.get(which)!;
      return {
        floor: get('floor').load,
        knexRaw: get('knexRaw').load,
        prepared: get('prepared').load,
        clientMicros: {
          floor: get('floor').micros,
          knexRaw: get('knexRaw').micros,
          prepared: get('prepared').micros,
        },
      };
    },
    close: () => bench.close(),
  };
}

/**
 * Microseconds per access token: jsonwebtoken (as the issuer signed before) against
 * signCompactJws (node:crypto directly, as it signs now), same claims and key, alternating.
 */
export function measureSigning(rounds: number, perRound: number): { jsonwebtoken: number; direct: number } {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const header = { alg: 'ES256', typ: ACCESS_TOKEN_TYP, kid: 'bench' } as const;
  const claims = () => {
    const iat = Math.floor(Date.now() / 1000);
    const [jti, sid] = [randomUUID(), randomUUID()];
    return {
      iss: 'http://127.0.0.1:8080',
      aud: 'wirefleet',
      sub: 'user:1',
      iat,
      nbf: iat,
      exp: iat + 900,
      jti,
      sid,
      role: 'admin',
    };
  };
  const ways = {
    jsonwebtoken: () => jwt.sign(claims(), privateKey, { algorithm: 'ES256', keyid: 'bench', header }),
    direct: () => signCompactJws(header, claims(), privateKey),
  };
  const micros = { jsonwebtoken: [] as number[], direct: [] as number[] };
  for (let round = 0; round < rounds; round += 1) {
    const order =
      round % 2 === 0 ? (['jsonwebtoken', 'direct'] as const) : (['direct', 'jsonwebtoken'] as const);
    for (const way of order) {
      const started = process.hrtime.bigint();
      for (let index = 0; index < perRound; index += 1) ways[way]();
      micros[way].push(Number(process.hrtime.bigint() - started) / 1e3 / perRound);
    }
  }
  return { jsonwebtoken: median(micros.jsonwebtoken), direct: median(micros.direct) };
}
