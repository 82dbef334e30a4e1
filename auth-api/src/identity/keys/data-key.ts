import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ensureKeysDir, writeFileAtomic } from './keyring-files.js';

const DATA_KEY_FILE = 'data-encryption.key';

/**
 * The 32-byte key that encrypts secrets at rest (TOTP secrets). From DATA_ENCRYPTION_KEY when
 * set; otherwise kept beside the signing keys (mode 0600) and generated on first start.
 */
export function loadOrCreateDataKey(keysDir: string, fromEnv: Buffer | undefined): Buffer {
  if (fromEnv) return fromEnv;
  ensureKeysDir(keysDir);
  const file = path.join(keysDir, DATA_KEY_FILE);
  if (!fs.existsSync(file)) writeFileAtomic(file, randomBytes(32).toString('base64'), 0o600);
  const key = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
  if (key.length !== 32) throw new Error(`${file}: expected 32 bytes, base64-encoded`);
  return key;
}
