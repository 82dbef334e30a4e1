export { Keyring, type SigningKey } from './keyring.js';
export { rotateKeys, type RotationResult } from './rotate-keys.js';
export type { KeyRecord, KeyStatus } from './keyring-files.js';
export { loadOrCreateDataKey } from './data-key.js';
