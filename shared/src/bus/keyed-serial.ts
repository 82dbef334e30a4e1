/**
 * Runs operations one at a time per key, in the order they were asked for: a RedisBus room's
 * subscribe, unsubscribe and catch-up must never interleave. A failed operation fails only its
 * caller; the next one for that key still runs. Keys with nothing queued are forgotten.
 */
export class KeyedSerial {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, op: () => Promise<T>): Promise<T> {
    const run = (this.tails.get(key) ?? Promise.resolve()).then(op);
    const tail = run.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return run;
  }

  /** Keys with an operation queued or running. */
  get size(): number {
    return this.tails.size;
  }
}
