/**
 * Lets one line through per interval for a failure that repeats (every frame while Redis is
 * away, every node's lease renewal), with how many were held back since the last one: an
 * outage of a minute is a handful of lines that say how bad it was, not thousands.
 */
export class ThrottledLog {
  private lastAt = Number.NEGATIVE_INFINITY;
  private heldBack = 0;

  constructor(
    private readonly intervalMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Undefined: hold this one back. Otherwise log it, with `suppressed` of the same kind before it. */
  take(): { suppressed: number } | undefined {
    const now = this.now();
    if (now - this.lastAt < this.intervalMs) {
      this.heldBack += 1;
      return undefined;
    }
    this.lastAt = now;
    const suppressed = this.heldBack;
    this.heldBack = 0;
    return { suppressed };
  }
}
