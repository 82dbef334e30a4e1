export * from './common.js';
export * from './identity.js';
export * from './net.js';
export * from './fleet.js';
export * from './policy.js';
export * from './agent-release.js';
