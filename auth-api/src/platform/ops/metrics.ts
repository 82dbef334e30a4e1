import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { type ReadinessCheck, readinessSampler } from '@wirefleet/shared/health';
import type { Knex } from 'knex';
import type { ConcurrencyStats } from '../../identity/passwords/index.js';
import { registerFleetGauges } from './fleet-gauges.js';

/**
 * The auth-api's Prometheus metrics, on a registry of its own (not prom-client's global one),
 * so several instances in one test process do not collide.
 */
export class AuthApiMetrics {
  readonly registry = new Registry();
  readonly httpRequests = new Counter({
    name: 'wirefleet_http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: 'wirefleet_http_request_duration_seconds',
    help: 'HTTP request duration',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly logins = new Counter({
    name: 'wirefleet_logins_total',
    help: 'Login attempts by result',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly refreshes = new Counter({
    name: 'wirefleet_refreshes_total',
    help: 'Refresh attempts by outcome (rotated, invalid, reused)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly authFailures = new Counter({
    name: 'wirefleet_auth_failures_total',
    help: 'Rejected bearer tokens by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  constructor(passwordHashStats: () => ConcurrencyStats) {
    collectDefaultMetrics({ register: this.registry, prefix: 'wirefleet_auth_api_' });
    const registers = [this.registry];
    new Gauge({
      name: 'wirefleet_password_hash_in_flight',
      help: 'Argon2 computations running now',
      registers,
      collect() {
        this.set(passwordHashStats().running);
      },
    });
    new Gauge({
      name: 'wirefleet_password_hash_queued',
      help: 'Argon2 computations waiting for a slot',
      registers,
      collect() {
        this.set(passwordHashStats().queued);
      },
    });
    new Gauge({
      name: 'wirefleet_password_hash_in_flight_max',
      help: 'The most Argon2 computations ever observed running at once (high-water mark)',
      registers,
      collect() {
        this.set(passwordHashStats().maxRunning);
      },
    });
    // A gauge read from the hasher's own count (a counter cannot be set from a callback).
    new Gauge({
      name: 'wirefleet_password_hash_started',
      help: 'Argon2 computations started since the process began',
      registers,
      collect() {
        this.set(passwordHashStats().started);
      },
    });
  }

  /** `wirefleet_ready` and `wirefleet_dependency_up{dependency}`, probed at each scrape as /readyz is. */
  watchReadiness(checks: Record<string, ReadinessCheck>): void {
    const sample = readinessSampler(checks);
    const registers = [this.registry];
    new Gauge({
      name: 'wirefleet_ready',
      help: '1 when /readyz would answer 200 (every dependency answers), else 0',
      registers,
      async collect() {
        this.set((await sample()).ready);
      },
    });
    new Gauge({
      name: 'wirefleet_dependency_up',
      help: 'Each readiness check: 1 when the dependency answers, else 0 (auth-api: database, redis)',
      labelNames: ['dependency'] as const,
      registers,
      async collect() {
        for (const [dependency, up] of Object.entries((await sample()).dependencies)) this.set({ dependency }, up);
      },
    });
  }

  /** The fleet's state from the database (nodes, outbox), for alerting. */
  watchFleet(db: Knex, networkId: number): void {
    registerFleetGauges(this.registry, db, networkId);
  }

  loginResult(result: string): void {
    this.logins.inc({ result });
  }

  refreshResult(result: string): void {
    this.refreshes.inc({ result });
  }
}
