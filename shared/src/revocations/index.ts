export {
  nodeRevocation,
  parseRevocation,
  REVOCATION_EVENT,
  REVOCATION_ROOM,
  REVOCATION_TTL_MS,
  type Revocation,
  sessionRevocation,
  userRevocation,
} from './revocation.js';
export { InMemoryRevocationStore, type RevocationStore } from './revocation-store.js';
export { RedisRevocationStore } from './redis-revocation-store.js';
