import { z } from 'zod';
import { component, count, resource } from './registry.js';

export const agentRelease = component(
  'AgentRelease',
  'An agent build this server hands out: what to download (`url`, relative to the API) and how to check it (`sha256`, `bytes`); `server_version` and `min_agent_version` say which agents this server still supports.',
  resource({
    name: z.literal('wirefleet-agent'),
    version: z.string(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    bytes: count(),
    node: z.string(),
    url: z.string().startsWith('/'),
    server_version: z.string(),
    min_agent_version: z.string(),
  }),
);

export const agentBundle = component(
  'AgentBundle',
  'The bundled agent: one ES module file, run by Node.js (`node` of its release).',
  z.string(),
);

export const installScript = component(
  'InstallScript',
  'A bash script that installs the agent from this server and enrolls the host; run it as root.',
  z.string(),
);
