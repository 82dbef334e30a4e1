export { startGateway, type RunningGateway, type GatewayOverrides } from './start.js';
export { loadGatewayConfig, type GatewayConfig } from './config.js';
export { createGateway, type Gateway, type GatewayDeps } from './gateway.js';
export { isNativeUws, loadUws, UwsFallbackError } from './uws/load-uws.js';
