import type { IngestSource } from '@wirefleet/shared/ingest';
import { subsystemLogger } from '@wirefleet/shared/logging';
import type { Router } from 'express';
import type { Authenticator } from '../http/authenticate.js';
import type { LimiterFactory } from '../rate-limits/index.js';
import { CommandService } from './commands/command-service.js';
import { commandRoutes } from './commands/command-routes.js';
import { DeviceService } from './devices/device-service.js';
import { deviceRoutes } from './devices/device-routes.js';
import { EnrollService } from './enrollment/enroll-service.js';
import { EnrollmentKeyStore } from './enrollment/enrollment-key-store.js';
import { enrollmentRoutes } from './enrollment/enrollment-routes.js';
import type { FleetDeps } from './fleet-deps.js';
import { FleetGuard } from './fleet-guard.js';
import { IngestProcessor, OfflineSweeper } from './ingest/index.js';
import { NodeService } from './nodes/node-service.js';
import { nodeRoutes } from './nodes/node-routes.js';
import { OutboxRelay } from './outbox/index.js';
import { PortForwardService } from './port-forwards/port-forward-service.js';
import { portForwardRoutes } from './port-forwards/port-forward-routes.js';

export interface Fleet {
  nodes: NodeService;
  devices: DeviceService;
  forwards: PortForwardService;
  commands: CommandService;
  relay: OutboxRelay;
  routers(auth: Authenticator): Router[];
  /** Starts the relay, the ingest consumer and the offline sweeper. */
  start(): void;
  stop(): Promise<void>;
}

/**
 * Wires the fleet capability. The background parts — outbox relay, ingest consumer, offline
 * sweeper — start only with `start()`, so a test can build the API without them.
 */
export function createFleet(
  base: Omit<FleetDeps, 'announce' | 'guard'> & { limiter: LimiterFactory },
  ingest: IngestSource,
  beforePublish?: ConstructorParameters<typeof OutboxRelay>[4],
): Fleet {
  const relay = new OutboxRelay(
    base.db,
    base.bus,
    subsystemLogger(base.logger, 'outbox'),
    1_000,
    beforePublish,
  );
  const guard = new FleetGuard(base.limiter, base.config.limits);
  const deps: FleetDeps = { ...base, guard, announce: () => relay.poke() };
  const keys = new EnrollmentKeyStore(base.db);
  const enroll = new EnrollService(deps, keys);
  const nodes = new NodeService(deps);
  const devices = new DeviceService(deps);
  const forwards = new PortForwardService(deps);
  const commands = new CommandService(deps);
  const processor = new IngestProcessor({
    db: base.db,
    bus: base.bus,
    logger: subsystemLogger(base.logger, 'ingest'),
    onChange: deps.announce,
  });
  const sweeper = new OfflineSweeper({
    db: base.db,
    logger: subsystemLogger(base.logger, 'sweeper'),
    onChange: deps.announce,
  });
  let consumer: { stop(): Promise<void> } | undefined;
  return {
    nodes,
    devices,
    forwards,
    commands,
    relay,
    routers: (auth) => [
      enrollmentRoutes(deps, keys, enroll, auth),
      nodeRoutes(deps, nodes, auth),
      deviceRoutes(devices, auth),
      portForwardRoutes(forwards, auth),
      commandRoutes(commands, auth),
    ],
    start() {
      relay.start();
      sweeper.start();
      consumer = ingest.consume((deliveries) => processor.process(deliveries));
    },
    async stop() {
      await consumer?.stop();
      await sweeper.stop();
      await relay.stop();
    },
  };
}
