import type { BusEvent } from '@wirefleet/shared/bus';
import type { WriteCoalescing } from './write-coalescing.js';

/**
 * The room hub's events on their way to sockets: delivered at once, or held while
 * WriteCoalescing says so and delivered together when the wait is over (or `flush` is called:
 * a join completing, a gap notice, a drain). Once one event waits, later ones wait too, so
 * none overtakes another.
 */
export class HeldEvents {
  private held: BusEvent[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly coalescing: WriteCoalescing,
    private readonly deliver: (event: BusEvent) => void,
  ) {}

  offer(event: BusEvent): void {
    if (this.held.length > 0) {
      this.held.push(event);
      return;
    }
    const holdMs = this.coalescing.holdMs();
    if (holdMs === 0) {
      this.deliver(event);
      return;
    }
    this.held.push(event);
    this.timer = setTimeout(() => this.flush(), holdMs);
  }

  /** Whether an event of `room` is waiting. */
  holds(room: string): boolean {
    return this.held.some((event) => event.room === room);
  }

  /** Delivers every held event now, in arrival order. */
  flush(): void {
    if (this.held.length === 0) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    const held = this.held;
    this.held = [];
    for (const event of held) this.deliver(event);
  }
}
