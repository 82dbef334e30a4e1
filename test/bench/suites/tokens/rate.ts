import { median } from '../../support/stats.js';

/** One operation to time; a promise it returns is awaited (the verifier is async). */
export interface RateSubject {
  name: string;
  op: () => unknown;
}

export interface RateResult {
  name: string;
  /** Median of the rounds, operations per second. */
  opsPerSecond: number;
  rounds: number[];
}

/** The clock is read once per batch, so reading it costs nothing next to a signature. */
const BATCH = 32;

async function opsPerSecondFor(op: () => unknown, windowMs: number): Promise<number> {
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(windowMs * 1e6));
  let count = 0;
  let now = start;
  while (now < end) {
    for (let i = 0; i < BATCH; i += 1) {
      const result = op();
      if (result instanceof Promise) await result;
    }
    count += BATCH;
    now = process.hrtime.bigint();
  }
  return count / (Number(now - start) / 1e9);
}

/**
 * Operations per second of each subject, in `rounds` rounds of `windowMs` each, taken in turn
 * (A, B, C, A, B, C…) so that whatever else the machine does in the meantime falls on all of
 * them alike; the median of the rounds is kept. One short discarded round each warms up the JIT
 * and node:crypto's key caches first.
 */
export async function measureRates(
  subjects: RateSubject[],
  options: { rounds: number; windowMs: number; progress?: (message: string) => void },
): Promise<RateResult[]> {
  for (const subject of subjects) await opsPerSecondFor(subject.op, Math.min(300, options.windowMs));
  const rounds = new Map<string, number[]>(subjects.map((subject) => [subject.name, []]));
  for (let round = 1; round <= options.rounds; round += 1) {
    for (const subject of subjects)
      rounds.get(subject.name)!.push(await opsPerSecondFor(subject.op, options.windowMs));
    options.progress?.(`round ${round}/${options.rounds}`);
  }
  return subjects.map((subject) => {
    const samples = rounds.get(subject.name)!;
    return { name: subject.name, opsPerSecond: median(samples), rounds: samples };
  });
}

/** "12,345, 12,400, …" for the notes. */
export function formatRounds(rounds: number[]): string {
  return rounds.map((value) => Math.round(value).toLocaleString('en-US')).join(', ');
}
