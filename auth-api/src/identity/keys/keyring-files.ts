import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * On-disk layout of JWT_KEYS_DIR:
 *   keyring.json   which keys exist and their status (no key material)
 *   <kid>.pem      one PKCS#8 private key per kid, mode 0600
 * Every write goes to a temporary file and is renamed into place, so a reader (another
 * auth-api instance sharing the directory) never sees a torn file.
 */
export type KeyStatus = 'active' | 'standby' | 'retiring';

export interface KeyRecord {
  kid: string;
  alg: 'ES256';
  status: KeyStatus;
  created_at: string;
  retired_at?: string;
}

export interface KeyringFile {
  version: 1;
  keys: KeyRecord[];
}

export const KEYRING_FILE = 'keyring.json';

export function keyringPath(dir: string): string {
  return path.join(dir, KEYRING_FILE);
}

export function writeFileAtomic(file: string, contents: string, mode: number): void {
  const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
  fs.writeFileSync(temporary, contents, { mode });
  fs.chmodSync(temporary, mode);
  fs.renameSync(temporary, file);
}

export function readKeyringFile(dir: string): KeyringFile | undefined {
  const file = keyringPath(dir);
  if (!fs.existsSync(file)) return undefined;
  const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as KeyringFile;
  if (parsed.version !== 1 || !Array.isArray(parsed.keys)) throw new Error(`${file}: unknown keyring format`);
  return parsed;
}

export function writeKeyringFile(dir: string, keyring: KeyringFile): void {
  writeFileAtomic(keyringPath(dir), `${JSON.stringify(keyring, null, 2)}\n`, 0o600);
}

/** RFC 7638 thumbprint of the public key: a kid that names the key itself. */
export function thumbprintKid(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: 'jwk' });
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  return createHash('sha256').update(canonical).digest('base64url').slice(0, 22);
}

/** Generates a P-256 key, writes its private half (0600) and returns its record. */
export function generateKeyFile(dir: string, status: KeyStatus): KeyRecord {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const kid = thumbprintKid(publicKey);
  writeFileAtomic(path.join(dir, `${kid}.pem`), privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), 0o600);
  return { kid, alg: 'ES256', status, created_at: new Date().toISOString() };
}

export function readPrivateKeyPem(dir: string, kid: string): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(kid)) throw new Error(`keyring: bad kid ${JSON.stringify(kid)}`);
  return fs.readFileSync(path.join(dir, `${kid}.pem`), 'utf8');
}

export function ensureKeysDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
}
