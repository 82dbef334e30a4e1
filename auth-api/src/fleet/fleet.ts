import type { Bus } from '@wirefleet/shared/bus';
import type { IngestSource } from '@wirefleet/shared/ingest';
import { type Logger, subsystemLogger } from '@wirefleet/shared/logging';
import type { Knex } from 'knex';
import type { AuditLog } from '../platform/audit/index.js';
import type { AuthApiConfig } from '../config.js';
import type { Keyring } from '../identity/keys/index.js';
import type { AccessTokenIssuer } from '../identity/tokens/index.js';
import type { LimiterFactory } from '../platform/rate-limits/index.js';
import { AgentReleases } from './agent-releases/agent-releases.js';
import { AgentUpdateService } from './agent-updates/agent-update-service.js';
import { CommandService } from './commands/command-service.js';
import { DeviceService } from './devices/device-service.js';
import { EnrollService } from './enrollment/enroll-service.js';
import { EnrollmentKeyStore } from './enrollment/enrollment-key-store.js';
import type { FleetWriteDeps } from './fleet-deps.js';
import { FleetGuard } from './fleet-guard.js';
import { IngestProcessor, OfflineSweeper } from './ingest/index.js';
import type { Network } from './network/index.js';
import { NodeService } from './nodes/node-service.js';
import { OutboxRelay } from './outbox/index.js';
import { PolicyService } from './policy/policy-service.js';
import { PortForwardService } from './port-forwards/port-forward-service.js';

/** What the fleet needs from the platform, and from identity the issuer of node tokens. */
export interface FleetDeps {
  db: Knex;
  network: Network;
  audit: AuditLog;
  bus: Bus;
  keyring: Keyring;
  tokens: AccessTokenIssuer;
  /** Backs the fleet's own guess limits (enrollment keys, node secrets). */
  limiter: LimiterFactory;
  config: AuthApiConfig['fleet'];
  /** The service's root logger: each part of the fleet takes its own subsystem logger from it, once. */
  logger: Logger;
}

export interface Fleet {
  network: Network;
  keys: EnrollmentKeyStore;
  enroll: EnrollService;
  nodes: NodeService;
  devices: DeviceService;
  forwards: PortForwardService;
  commands: CommandService;
  policy: PolicyService;
  /** The agent builds served to installers and updating agents. */
  releases: AgentReleases;
  agentUpdates: AgentUpdateService;
  relay: OutboxRelay;
  /** Starts the relay, the ingest consumer and the offline sweeper. */
  start(): void;
  stop(): Promise<void>;
}

/** The request-serving services, each handed only what it uses. */
function fleetServices(deps: FleetDeps, announce: () => void) {
  const { db, network, audit, config } = deps;
  const writes: FleetWriteDeps = { db, network, audit, announce };
  const guard = new FleetGuard(deps.limiter, config.limits);
  const keys = new EnrollmentKeyStore(db);
  const releases = new AgentReleases(config.agentReleasesDir);
  return {
    keys,
    enroll: new EnrollService({ ...writes, guard, gatewayPublicUrl: config.gatewayPublicUrl }, keys),
    nodes: new NodeService({ ...writes, guard, tokens: deps.tokens }),
    devices: new DeviceService(writes),
    forwards: new PortForwardService(writes),
    commands: new CommandService({ ...writes, commandTtlSeconds: config.commandTtlSeconds }),
    policy: new PolicyService(writes),
    releases,
    agentUpdates: new AgentUpdateService({ ...writes, releases }),
  };
}

/**
 * Wires the fleet capability. The background parts — outbox relay, ingest consumer, offline
 * sweeper — start only with `start()`, so a test can build the API without them.
 */
export function createFleet(
  deps: FleetDeps,
  ingest: IngestSource,
  beforePublish?: ConstructorParameters<typeof OutboxRelay>[4],
): Fleet {
  const { db, bus, logger } = deps;
  const relay = new OutboxRelay(db, bus, subsystemLogger(logger, 'outbox'), 1_000, beforePublish);
  const announce = () => relay.poke();
  const services = fleetServices(deps, announce);
  const processor = new IngestProcessor({
    db,
    bus,
    logger: subsystemLogger(logger, 'ingest'),
    onChange: announce,
  });
  const sweeper = new OfflineSweeper({ db, logger: subsystemLogger(logger, 'sweeper'), onChange: announce });
  let consumer: { stop(): Promise<void> } | undefined;
  return {
    network: deps.network,
    ...services,
    relay,
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
