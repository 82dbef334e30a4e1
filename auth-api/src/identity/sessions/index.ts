export { SessionStore, type SessionPolicy, type IssuedRefresh, type RotationOutcome } from './session-store.js';
