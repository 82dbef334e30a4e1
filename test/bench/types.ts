/** One measured figure, as it appears in one row of docs/benchmarks.md. */
export interface BenchResult {
  metric: string;
  value: number;
  unit: string;
  /** What the figure is compared with, measured in the same run (never a remembered number). */
  baseline?: { label: string; value: number };
  /** value ÷ baseline.value; run.ts fills it in when a baseline is given and this is not. */
  ratio?: number;
  /** The goal in the words of the issue that set it, e.g. "≤ 1.10× bare verify". */
  goal?: string;
  /** Whether the goal was met; undefined when the row has no goal. */
  met?: boolean;
  notes?: string;
}

export interface BenchContext {
  /** Smaller counts and shorter runs: a smoke test of the harness, not a measurement. */
  quick: boolean;
  /** Prints one progress line to stderr, prefixed with the suite name. */
  progress(message: string): void;
  /** Picks the full or the quick figure (`ctx.scale(30, 5)`). */
  scale<T>(full: T, quick: T): T;
}

export interface BenchSuite {
  /** Short, unique, used by `--only` and as the section key in docs/benchmarks.md. */
  name: string;
  /** Section heading in docs/benchmarks.md. */
  title: string;
  /** A paragraph under the heading: what is measured and how. */
  description: string;
  run(ctx: BenchContext): Promise<BenchResult[]>;
}

export function isBenchSuite(value: unknown): value is BenchSuite {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return (
    typeof candidate.name === 'string' &&
    typeof candidate.title === 'string' &&
    typeof candidate.description === 'string' &&
    typeof candidate.run === 'function'
  );
}
