export { SessionService, type RefreshMetrics } from './session-service.js';
export { type TokenPair, tokenPair } from './token-pair.js';
export {
  SessionStore,
  type SessionPolicy,
  type IssuedRefresh,
  type RotationOutcome,
} from './session-store.js';
