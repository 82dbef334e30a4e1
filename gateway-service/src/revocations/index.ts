export { closeRevoked } from './close-revoked.js';
export { RevocationFeed } from './revocation-feed.js';
export { type RevocableClaims, RevocationList } from './revocation-list.js';
