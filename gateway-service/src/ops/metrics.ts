import { type ReadinessCheck, type ReadinessSample, readinessSampler } from '@wirefleet/shared/health';
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';

/** What the gauges read when scraped; supplied once the parts exist (`observe`). */
export interface GatewaySizes {
  connections: () => number;
  rooms: () => number;
  deliveriesPerSecond: () => number;
  writeDelayMs: () => number;
}

/** Gateway metrics on a registry of its own (several instances may share a test process). */
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly registers = [this.registry];
  readonly upgrades = new Counter({
    name: 'wirefleet_gateway_upgrades_total',
    help: 'WebSocket upgrade attempts by result',
    labelNames: ['result'] as const,
    registers: this.registers,
  });
  readonly authFailures = new Counter({
    name: 'wirefleet_gateway_auth_failures_total',
    help: 'Rejected upgrade or refresh tokens by reason',
    labelNames: ['reason'] as const,
    registers: this.registers,
  });
  readonly messagesIn = new Counter({
    name: 'wirefleet_gateway_messages_in_total',
    help: 'Frames received from clients, by frame type',
    labelNames: ['type'] as const,
    registers: this.registers,
  });
  readonly messagesOut = new Counter({
    name: 'wirefleet_gateway_messages_out_total',
    help: 'Event frames delivered to clients (one per subscriber)',
    registers: this.registers,
  });
  readonly closes = new Counter({
    name: 'wirefleet_gateway_closes_total',
    help: 'Connections closed by the server, by close code',
    labelNames: ['code'] as const,
    registers: this.registers,
  });
  readonly slowConsumerCloses = new Counter({
    name: 'wirefleet_gateway_slow_consumer_closes_total',
    help: 'Connections closed with 4009 because they read too slowly',
    registers: this.registers,
  });

  /**
   * Created first, before the parts it counts (every part increments its counters); the gauges
   * read the parts' sizes only when scraped, through `observe`.
   */
  private sizes: GatewaySizes = {
    connections: () => 0,
    rooms: () => 0,
    deliveriesPerSecond: () => 0,
    writeDelayMs: () => 0,
  };

  private readiness: (() => Promise<ReadinessSample>) | undefined;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'wirefleet_gateway_' });
    this.registerReadinessGauges();
    const sizes = () => this.sizes;
    new Gauge({
      name: 'wirefleet_gateway_connections',
      help: 'Open WebSocket connections',
      registers: this.registers,
      collect() {
        this.set(sizes().connections());
      },
    });
    new Gauge({
      name: 'wirefleet_gateway_rooms',
      help: 'Rooms with at least one local connection',
      registers: this.registers,
      collect() {
        this.set(sizes().rooms());
      },
    });
    new Gauge({
      name: 'wirefleet_gateway_deliveries_per_second',
      help: 'Event frames delivered per second, over the last second (what write coalescing is decided on)',
      registers: this.registers,
      collect() {
        this.set(sizes().deliveriesPerSecond());
      },
    });
    new Gauge({
      name: 'wirefleet_gateway_write_delay_ms',
      help: 'How long a room event now waits for a shared write (0: sent at once; see GATEWAY_WRITE_DELAY_MS)',
      registers: this.registers,
      collect() {
        this.set(sizes().writeDelayMs());
      },
    });
  }

  private registerReadinessGauges(): void {
    const sample = async () => this.readiness?.();
    new Gauge({
      name: 'wirefleet_ready',
      help: '1 when /readyz would answer 200 (every dependency answers), else 0',
      registers: this.registers,
      async collect() {
        const current = await sample();
        if (current) this.set(current.ready);
      },
    });
    new Gauge({
      name: 'wirefleet_dependency_up',
      help: 'Each readiness check: 1 when the dependency answers, else 0 (gateway: bus, keys)',
      labelNames: ['dependency'] as const,
      registers: this.registers,
      async collect() {
        const current = await sample();
        for (const [dependency, up] of Object.entries(current?.dependencies ?? {})) this.set({ dependency }, up);
      },
    });
  }

  observe(sizes: GatewaySizes): void {
    this.sizes = sizes;
  }

  /**
   * Feeds `wirefleet_ready` and `wirefleet_dependency_up{dependency}` (created once, in the
   * constructor) from these checks, probed at each scrape as /readyz probes them. Called again
   * (the routes are mounted anew on a TLS reload), it only swaps the checks.
   */
  watchReadiness(checks: Record<string, ReadinessCheck>): void {
    this.readiness = readinessSampler(checks);
  }
}
