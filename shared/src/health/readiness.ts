import type { Logger } from 'pino';

/**
 * One dependency a service needs to do its work (database, Redis, signing keys). It resolves
 * true when usable; it resolves false or throws when not, and a thrown error's message becomes
 * the reason in the log.
 */
export type ReadinessCheck = () => Promise<boolean>;

/** `ok`, or why the check failed. */
export type CheckOutcome = { ok: true } | { ok: false; reason: string };

export const READINESS_TIMEOUT_MS = 2_000;

function reasonOf(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    // AggregateError (every address refused) has an empty message; its code says it all.
    const message = error.message || (typeof code === 'string' ? code : error.name);
    return typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message;
  }
  return String(error);
}

async function runOne(check: ReadinessCheck, timeoutMs: number): Promise<CheckOutcome> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<CheckOutcome>((resolve) => {
    timer = setTimeout(resolve, timeoutMs, { ok: false, reason: `no answer within ${timeoutMs} ms` });
  });
  const outcome = check().then(
    (ok): CheckOutcome => (ok ? { ok: true } : { ok: false, reason: 'unavailable' }),
    (error: unknown): CheckOutcome => ({ ok: false, reason: reasonOf(error) }),
  );
  try {
    return await Promise.race([outcome, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs every check at once, each bounded by `timeoutMs`, and returns each outcome by name. */
export async function probeReadiness(
  checks: Record<string, ReadinessCheck>,
  timeoutMs = READINESS_TIMEOUT_MS,
): Promise<Record<string, CheckOutcome>> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => [name, await runOne(check, timeoutMs)] as const),
  );
  return Object.fromEntries(entries);
}

export function isReady(outcomes: Record<string, CheckOutcome>): boolean {
  return Object.values(outcomes).every((outcome) => outcome.ok);
}

/** The `checks` member of a readiness answer: `ok` or `unavailable` per dependency, no reasons. */
export function publicChecks(outcomes: Record<string, CheckOutcome>): Record<string, 'ok' | 'unavailable'> {
  return Object.fromEntries(
    Object.entries(outcomes).map(([name, outcome]) => [name, outcome.ok ? 'ok' : 'unavailable']),
  );
}

/**
 * Logs readiness only when it changes: becoming not ready (warn, naming each failing check and
 * why), becoming ready again (info), or a different set of checks failing. Load balancers probe
 * every second or two; a line per probe would bury the one line that matters.
 */
export class ReadinessLog {
  /** Names of the failing checks at the last probe; undefined before the first. */
  private failing: string | undefined;

  constructor(private readonly logger: Logger) {}

  record(outcomes: Record<string, CheckOutcome>): void {
    const reasons: Record<string, string> = {};
    for (const [name, outcome] of Object.entries(outcomes)) if (!outcome.ok) reasons[name] = outcome.reason;
    const failing = Object.keys(reasons).sort().join(',');
    if (failing === this.failing) return;
    const wasKnown = this.failing !== undefined;
    this.failing = failing;
    if (failing === '') {
      this.logger.info(wasKnown ? 'ready again: every dependency answers' : 'ready');
      return;
    }
    const summary = Object.entries(reasons)
      .map(([name, reason]) => `${name}: ${reason}`)
      .join('; ');
    this.logger.warn({ checks: reasons }, `not ready (${summary})`);
  }
}

/** Readiness as numbers: `ready` 1 or 0, and 1 or 0 per dependency check. */
export interface ReadinessSample {
  ready: number;
  dependencies: Record<string, number>;
}

/**
 * Readiness for the `wirefleet_ready` and `wirefleet_dependency_up` gauges: Prometheus scrapes
 * `/metrics`, not `/readyz`, and a process that answers but cannot serve must not look
 * healthy. Calls that overlap (both gauges of one scrape) share one probe.
 */
export function readinessSampler(checks: Record<string, ReadinessCheck>): () => Promise<ReadinessSample> {
  let pending: Promise<ReadinessSample> | undefined;
  const probe = async (): Promise<ReadinessSample> => {
    const outcomes = await probeReadiness(checks);
    const dependencies = Object.fromEntries(
      Object.entries(outcomes).map(([name, outcome]) => [name, outcome.ok ? 1 : 0]),
    );
    return { ready: isReady(outcomes) ? 1 : 0, dependencies };
  };
  return () => {
    pending ??= probe().finally(() => {
      pending = undefined;
    });
    return pending;
  };
}
