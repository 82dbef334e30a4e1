import { schema as authApiSchema } from '../../auth-api/src/config.js';
import { schema as gatewaySchema } from '../../gateway-service/src/config.js';
import { FIELDS as agentFields } from '../../node-agent/src/config/agent-config.js';
import { describeEnvSchema, type SettingDoc } from './schema-docs.js';

/** A group of settings: one service's environment, the agent's file, the dev stack. */
export interface Section {
  id: string;
  title: string;
  intro: string;
  settings: SettingDoc[];
  /** Environment variables go to .env.example; file fields only to the docs. */
  kind: 'env' | 'file';
}

const url = (...schemes: string[]) => `URL (${schemes.join(', ')})`;
const ORIGINS = 'comma-separated origins, scheme://host[:port]';

const authApi: Section = {
  id: 'auth-api',
  title: 'auth-api',
  kind: 'env',
  intro:
    'The REST API, the dashboard and the fleet control plane (`npm start -w auth-api`, `auth-api/dist/main.js`).',
  settings: describeEnvSchema(authApiSchema, {
    formats: {
      AUTH_API_TLS_CERT_FILE: 'path',
      AUTH_API_TLS_KEY_FILE: 'path',
      AUTH_PUBLIC_URL: url('http', 'https'),
      DATABASE_URL: url('postgres', 'postgresql'),
      DATA_DIR: 'path',
      REDIS_URL: url('redis', 'rediss'),
      JWT_KEYS_DIR: 'path',
      DATA_ENCRYPTION_KEY: '32 bytes, base64',
      TRUST_PROXY: 'false, true, a hop count, or addresses',
      FLEET_NETWORK_CIDR: 'IPv4 CIDR',
      GATEWAY_PUBLIC_URL: url('ws', 'wss'),
      CORS_ORIGINS: ORIGINS,
      DASHBOARD_DIR: 'path',
    },
    defaults: { ARGON2_MAX_CONCURRENCY: '(the number of CPU cores)' },
    secrets: ['DATA_ENCRYPTION_KEY', 'ADMIN_PASSWORD'],
  }),
};

const gateway: Section = {
  id: 'gateway',
  title: 'gateway',
  kind: 'env',
  intro: 'The WebSocket gateway (`npm start -w gateway-service`, `gateway-service/dist/main.js`).',
  settings: describeEnvSchema(gatewaySchema, {
    formats: {
      GATEWAY_TLS_CERT_FILE: 'path',
      GATEWAY_TLS_KEY_FILE: 'path',
      REDIS_URL: url('redis', 'rediss'),
      AUTH_JWKS_URL: url('http', 'https'),
      AUTH_JWKS_FILE: 'path',
      AUTH_ISSUER: url('http', 'https'),
      ALLOWED_ORIGINS: ORIGINS,
    },
  }),
};

/** The agent reads these by hand (node-agent/src/cli/run.ts timingFromEnv, main.ts), not through a schema. */
const agentEnv: Section = {
  id: 'agent-env',
  title: 'node agent: environment',
  kind: 'env',
  intro:
    'Read by `wirefleet-agent`; everything else it needs is in agent.json (below), written by `wirefleet-agent enroll`.',
  settings: [
    {
      name: 'WIREFLEET_ENROLLMENT_KEY',
      default: undefined,
      format: 'text',
      description:
        'The enrollment key for `wirefleet-agent enroll` when neither --key-file nor --key is given (keeps it off the command line).',
      secret: true,
    },
    {
      name: 'WIREFLEET_STATUS_INTERVAL_SECONDS',
      default: '15',
      format: 'whole number, 1–3600',
      description: 'How often the agent reports its status (applied revision, peers, drift).',
    },
    {
      name: 'WIREFLEET_RECONNECT_MAX_SECONDS',
      default: '60',
      format: 'whole number, 1–3600',
      description: 'Cap of the back-off between reconnects to the gateway.',
    },
    {
      name: 'WIREFLEET_UPDATE_CONFIRM_SECONDS',
      default: '60',
      format: 'whole number, 1–3600',
      description:
        'How long a self-updated agent build has to report a successful config.applied before it is rolled back to the previous build (docs/agent.md, "Self-update").',
    },
    {
      name: 'WIREFLEET_AGENT_STARTED_BUILD',
      default: undefined,
      format: '1',
      description:
        'Set by the agent itself on the build it starts (`supervise`, or the installed build handing over to a self-updated one), so that build does not check or hand over again. Not to be set by hand.',
    },
    { name: 'LOG_LEVEL', default: 'info', format: 'a pino level', description: "The agent's log level." },
  ],
};

const AGENT_FIELD_TEXT: Record<keyof typeof agentFields, string> = {
  version: 'Format of this file.',
  api_url: 'The auth-api the agent enrolled with and fetches tokens and configs from.',
  gateway_url: 'The gateway it keeps its WebSocket to.',
  node_id: "This node's id in the fleet.",
  name: "This node's name.",
  network_cidr: "The fleet's tunnel network.",
  tunnel_ip: "This node's address in it.",
  interface: 'The WireGuard interface the agent manages (`run --interface` overrides it).',
  listen_port: 'WireGuard UDP listen port.',
  backend:
    'linux: real WireGuard and nftables; dry-run: logs what it would do; memory: in-memory (tests, simulations). `run --backend` overrides it.',
  wireguard_public_key:
    "This node's WireGuard public key (the private key is in wireguard.key beside this file, mode 0600).",
  ca_file:
    "Certificate authorities trusted for https/wss instead of the system's (`run --ca-file` overrides it).",
};

const agentFile: Section = {
  id: 'agent-json',
  title: 'node agent: agent.json',
  kind: 'file',
  intro:
    'Written by `wirefleet-agent enroll` (default /etc/wirefleet/agent.json). Its secrets live beside it in their own 0600 files (wireguard.key, node.secret), never in it.',
  settings: Object.entries(agentFields).map(([name, field]) => ({
    name,
    default: undefined,
    format: field.expected + (field.optional ? ' (optional)' : ''),
    description: AGENT_FIELD_TEXT[name as keyof typeof agentFields],
  })),
};

const devStack: Section = {
  id: 'npm-start',
  title: '`npm start` (development)',
  kind: 'env',
  intro:
    "The whole stack in one process (infra/dev/start-stack.ts). It reads every auth-api and gateway variable above; without DATABASE_URL it runs on PGlite under DATA_DIR, without REDIS_URL on one in-process bus. The gateway's AUTH_ISSUER defaults to the auth-api's public URL and the dashboard's origin is added to ALLOWED_ORIGINS. When DASHBOARD_DIR is set the dashboard is not built. The simulated agents read the agent's WIREFLEET_STATUS_INTERVAL_SECONDS and WIREFLEET_RECONNECT_MAX_SECONDS.",
  settings: [
    {
      name: 'SIMULATED_AGENTS',
      default: '2',
      format: 'whole number ≥ 0',
      description:
        'Simulated node agents started with the stack (the real agent loop on an in-memory dataplane; state in DATA_DIR/sim-agents); 0 starts none.',
    },
  ],
};

export const SECTIONS: readonly Section[] = [authApi, gateway, agentEnv, agentFile, devStack];
