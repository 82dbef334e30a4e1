export type { NodeConfig, NodeConfigPeer, NodeConfigForward, SignedNodeConfig } from './node-config.js';
export { buildNodeConfig } from './build-config.js';
export { signNodeConfig } from './sign-config.js';
