import path from 'node:path';
import { createLogger } from '@wirefleet/shared/logging';
import { readCaFile } from '../http/ca-file.js';
import { type Backend, BACKENDS, loadAgentConfig, loadAgentSecrets } from '../config/agent-config.js';
import { Agent } from '../control/agent.js';
import type { Dataplane } from '../dataplane/dataplane.js';
import { MemoryDataplane } from '../dataplane/memory-dataplane.js';
import { StateStore } from '../state/state-store.js';
import { AGENT_VERSION } from '../update/version.js';
import { createUpdater } from './update-wiring.js';
import { UsageError } from './usage.js';

export interface RunFlags {
  config: string;
  backend?: string | undefined;
  interface?: string | undefined;
  /** Overrides agent.json's ca_file. */
  caFile?: string | undefined;
}

/** `wirefleet-agent run`: start the agent and keep it running until SIGTERM/SIGINT. */
function checkFlags(flags: RunFlags): void {
  if (flags.backend !== undefined && !(BACKENDS as readonly string[]).includes(flags.backend)) {
    throw new UsageError(`--backend: expected one of ${BACKENDS.join(', ')}`);
  }
  if (flags.interface !== undefined && !/^[A-Za-z0-9_=+.-]{1,15}$/.test(flags.interface)) {
    throw new UsageError('--interface: 1-15 letters, digits, _ = + . -');
  }
}

/** agent.json with the command line's overrides. */
function configWithFlags(flags: RunFlags) {
  checkFlags(flags);
  const loaded = loadAgentConfig(flags.config);
  return {
    ...loaded,
    ...(flags.interface ? { interface: flags.interface } : {}),
    backend: (flags.backend ?? loaded.backend) as Backend,
  };
}

export async function run(flags: RunFlags): Promise<number> {
  const config = configWithFlags(flags);
  const secrets = loadAgentSecrets(config);
  const caFile = flags.caFile === undefined ? config.ca_file : path.resolve(flags.caFile);
  const ca = caFile === undefined ? undefined : readCaFile(caFile);
  const timing = timingFromEnv(process.env);
  const logger = createLogger({ service: 'node-agent', level: process.env.LOG_LEVEL ?? 'info' }).child({
    node: config.node_id,
  });
  const dataplane = await createDataplane(
    config.backend,
    config.interface,
    secrets.wireguardPrivateKey,
    logger,
    [config.api_url, config.gateway_url],
  );
  return new Promise<number>((resolve) => {
    let stopping = false;
    const update = createUpdater(config, ca, logger, (code) => void shutdown(code));
    const agent = new Agent({
      config,
      secrets,
      dataplane,
      state: new StateStore(config.dir),
      logger,
      ...(ca ? { ca } : {}),
      ...timing,
      update,
      onTerminal: (reason) => {
        logger.error({ reason }, 'the control plane ended this node; stopping (the tunnel stays as it is)');
        void shutdown(3);
      },
    });
    const shutdown = async (code: number) => {
      if (stopping) return;
      stopping = true;
      update.stop();
      await agent.stop().catch((error: unknown) => logger.error({ err: error }, 'stop failed'));
      resolve(code);
    };
    process.once('SIGTERM', () => void shutdown(0));
    process.once('SIGINT', () => void shutdown(0));
    update.start();
    void update.checkSupport();
    agent.start().then(
      () =>
        logger.info(
          { backend: config.backend, interface: config.interface, version: AGENT_VERSION },
          'agent running',
        ),
      (error: unknown) => {
        logger.error({ err: error }, 'agent failed to start');
        void shutdown(1);
      },
    );
  });
}

async function createDataplane(
  backend: Backend,
  interfaceName: string,
  privateKey: string,
  logger: ReturnType<typeof createLogger>,
  controlPlaneUrls: readonly string[],
): Promise<Dataplane> {
  if (backend === 'linux') {
    // Loaded only when used: the dry-run and memory backends run anywhere, without root.
    const { LinuxDataplane } = await import('../dataplane/linux/linux-dataplane.js');
    // The control plane stays reachable outside the tunnel when a peer carries the default route.
    return new LinuxDataplane({ interfaceName, privateKey, logger, controlPlaneUrls });
  }
  return new MemoryDataplane(logger, { dryRun: backend === 'dry-run' });
}

/**
 * Optional timing overrides from the environment, for tests and labs that cannot wait for
 * production periods: WIREFLEET_STATUS_INTERVAL_SECONDS (status period, default 15) and
 * WIREFLEET_RECONNECT_MAX_SECONDS (cap of the reconnect back-off, default 60).
 */
export function timingFromEnv(env: NodeJS.ProcessEnv): {
  statusIntervalMs?: number;
  reconnectMaxMs?: number;
} {
  const seconds = (name: string, max: number): number | undefined => {
    const raw = env[name];
    if (raw === undefined || raw === '') return undefined;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 1 || value > max)
      throw new UsageError(`${name}: expected whole seconds from 1 to ${max}, got ${JSON.stringify(raw)}`);
    return value * 1000;
  };
  const statusIntervalMs = seconds('WIREFLEET_STATUS_INTERVAL_SECONDS', 3600);
  const reconnectMaxMs = seconds('WIREFLEET_RECONNECT_MAX_SECONDS', 3600);
  return { ...(statusIntervalMs ? { statusIntervalMs } : {}), ...(reconnectMaxMs ? { reconnectMaxMs } : {}) };
}
