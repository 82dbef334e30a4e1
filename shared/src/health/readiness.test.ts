import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { isReady, probeReadiness, publicChecks, type ReadinessCheck, ReadinessLog } from './readiness.js';

function capturingLogger() {
  const lines: Array<{ level: number; msg: string; checks?: Record<string, string> }> = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { logger, lines };
}

const up: ReadinessCheck = async () => true;
const refused: ReadinessCheck = async () => {
  throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
};

describe('probeReadiness', () => {
  it('reports each check, with the reason a failing one gave', async () => {
    const outcomes = await probeReadiness({ database: refused, redis: up, keys: async () => false });
    expect(outcomes).toEqual({
      database: { ok: false, reason: 'connect ECONNREFUSED 127.0.0.1:5432' },
      redis: { ok: true },
      keys: { ok: false, reason: 'unavailable' },
    });
    expect(isReady(outcomes)).toBe(false);
    expect(publicChecks(outcomes)).toEqual({ database: 'unavailable', redis: 'ok', keys: 'unavailable' });
  });

  it('a check that never answers fails with a reason instead of holding the probe', async () => {
    const outcomes = await probeReadiness({ database: () => new Promise<boolean>(() => undefined) }, 20);
    expect(outcomes.database).toEqual({ ok: false, reason: 'no answer within 20 ms' });
  });

  it('an AggregateError (every address refused) is described by its code', async () => {
    const aggregate = Object.assign(new AggregateError([], ''), { code: 'ECONNREFUSED' });
    const outcomes = await probeReadiness({
      redis: async () => {
        throw aggregate;
      },
    });
    expect(outcomes.redis).toEqual({ ok: false, reason: 'ECONNREFUSED' });
  });
});

describe('ReadinessLog: one line per change of state, never one per probe', () => {
  it('logs going down once with the reason, and coming back once', () => {
    const { logger, lines } = capturingLogger();
    const log = new ReadinessLog(logger);
    const ready = { database: { ok: true as const } };
    const down = { database: { ok: false as const, reason: 'connect ECONNREFUSED' } };
    for (const outcome of [ready, ready, down, down, down, down, ready, ready, ready]) log.record(outcome);

    expect(lines.map((line) => line.msg)).toEqual([
      'ready',
      'not ready (database: connect ECONNREFUSED)',
      'ready again: every dependency answers',
    ]);
    expect(lines[1]).toMatchObject({ level: 40, checks: { database: 'connect ECONNREFUSED' } });
    expect(lines[2]!.level).toBe(30);
  });

  it('logs again when a different dependency fails, not when the same one fails for another reason', () => {
    const { logger, lines } = capturingLogger();
    const log = new ReadinessLog(logger);
    log.record({ database: { ok: false, reason: 'ECONNREFUSED' }, redis: { ok: true } });
    log.record({ database: { ok: false, reason: 'no answer within 2000 ms' }, redis: { ok: true } });
    log.record({
      database: { ok: false, reason: 'ECONNREFUSED' },
      redis: { ok: false, reason: 'ECONNREFUSED' },
    });
    expect(lines.map((line) => line.msg)).toEqual([
      'not ready (database: ECONNREFUSED)',
      'not ready (database: ECONNREFUSED; redis: ECONNREFUSED)',
    ]);
  });
});
