import type { IngestDelivery, IngestSink, IngestSource } from './ingest.js';
import type { IngestRecord } from './ingest-wire.js';

/**
 * Single-process ingest: records wait in memory until the (one) consumer takes them.
 * Lost on restart — acceptable only where the whole stack is one process.
 */
export class InProcessIngest implements IngestSink, IngestSource {
  private queue: IngestDelivery[] = [];
  private sequence = 0;
  private wake: (() => void) | undefined;

  async append(record: IngestRecord): Promise<void> {
    this.sequence += 1;
    this.queue.push({ id: String(this.sequence), record });
    this.wake?.();
  }

  consume(handle: (deliveries: IngestDelivery[]) => Promise<void>): { stop(): Promise<void> } {
    let running = true;
    const loop = (async () => {
      while (running) {
        if (this.queue.length === 0) {
          await new Promise<void>((resolve) => {
            this.wake = resolve;
          });
          this.wake = undefined;
          continue;
        }
        const batch = this.queue.splice(0, 100);
        try {
          await handle(batch);
        } catch {
          // Not acknowledged: put the batch back in front and retry shortly, like a redelivery.
          this.queue.unshift(...batch);
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
      }
    })();
    return {
      stop: async () => {
        running = false;
        this.wake?.();
        await loop;
      },
    };
  }

  /** Records not yet consumed (tests and single-process inspection). */
  pending(): IngestRecord[] {
    return this.queue.map((delivery) => delivery.record);
  }
}
