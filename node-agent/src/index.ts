export { Agent, type AgentOptions } from './control/agent.js';
export type { Dataplane, DesiredState, DesiredPeer, DesiredForward, ApplyReport, ReconcileReport, PeerStatus } from './dataplane/dataplane.js';
export { MemoryDataplane } from './dataplane/memory-dataplane.js';
export { loadAgentConfig, loadAgentSecrets, saveAgentConfig, type AgentConfig, type AgentConfigFile } from './config/agent-config.js';
export { StateStore } from './state/state-store.js';
export { generateWireguardKeys } from './cli/enroll.js';
export { timingFromEnv } from './cli/run.js';
export { verifySignedConfig, ConfigRefused } from './trust/verify-config.js';
