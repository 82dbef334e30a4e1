export { startAuthApi, type RunningAuthApi, type StartOverrides } from './start.js';
export { loadAuthApiConfig, type AuthApiConfig, type AuthApiSecrets } from './config.js';
export { buildApp } from './app.js';
export { createContext, type AuthApiContext } from './context.js';
export { EnrollmentKeyStore } from './fleet/enrollment/enrollment-key-store.js';
