/**
 * Collects the items added during one turn of the event loop and hands them to `run` together,
 * on `setImmediate`, in chunks of at most `maxItems`. A gateway that accepts a burst of
 * connections makes one Redis round trip per burst (one SUBSCRIBE naming many channels, one
 * write carrying many pipelined scripts) instead of one per connection: each uWS callback is a
 * turn of its own for ioredis's auto-pipelining, so without this every upgrade paid its own
 * write system call.
 *
 * `run` answers one settled result per item, in order; a rejection of `run` itself fails every
 * item of its chunk.
 */
export class TurnBatch<T, R> {
  private queued: Array<{ item: T; resolve: (value: R) => void; reject: (reason: unknown) => void }> = [];

  constructor(
    private readonly run: (items: T[]) => Promise<Array<PromiseSettledResult<R>>>,
    private readonly maxItems = 1_000,
  ) {}

  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      if (this.queued.length === 0) setImmediate(() => this.flush());
      this.queued.push({ item, resolve, reject });
    });
  }

  private flush(): void {
    const queued = this.queued;
    this.queued = [];
    for (let start = 0; start < queued.length; start += this.maxItems) {
      const chunk = queued.slice(start, start + this.maxItems);
      this.run(chunk.map((entry) => entry.item)).then(
        (results) => {
          chunk.forEach((entry, index) => {
            const result = results[index];
            if (result?.status === 'fulfilled') entry.resolve(result.value);
            else entry.reject(result ? result.reason : new Error('batch answered no result for this item'));
          });
        },
        (error: unknown) => {
          for (const entry of chunk) entry.reject(error);
        },
      );
    }
  }
}

/** `run` for a batch whose items all succeed or fail together (one Redis command for all). */
export function allOrNothing<T>(run: (items: T[]) => Promise<unknown>): (items: T[]) => Promise<Array<PromiseSettledResult<void>>> {
  return async (items) => {
    await run(items);
    return items.map(() => ({ status: 'fulfilled', value: undefined }));
  };
}
