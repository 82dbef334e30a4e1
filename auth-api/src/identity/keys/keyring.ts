import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import type { Jwks, KeySet, PublicJwk, VerificationKey } from '@wirefleet/shared/tokens';
import {
  ensureKeysDir,
  generateKeyFile,
  type KeyRecord,
  keyringPath,
  readKeyringFile,
  readPrivateKeyPem,
  writeKeyringFile,
} from './keyring-files.js';

export interface SigningKey {
  kid: string;
  alg: 'ES256';
  privateKey: KeyObject;
}

interface LoadedKey {
  record: KeyRecord;
  privateKey: KeyObject;
  verification: VerificationKey;
  jwk: PublicJwk;
}

/** How often the keyring file is checked for changes made by `admin rotate-keys` or another instance. */
const RELOAD_CHECK_INTERVAL_MS = 5_000;

/**
 * The signing keys of this deployment, read from JWT_KEYS_DIR.
 *
 * Exactly one key is `active` (signs new tokens). `standby` keys are published before they
 * sign anything, so every verifier's JWKS cache already knows them when rotation promotes
 * one; `retiring` keys sign nothing but stay published until every token they signed has
 * expired. All three are in the JWKS. Several auth-api instances may share the directory:
 * each notices a rotation within a few seconds.
 */
export class Keyring implements KeySet {
  private keys = new Map<string, LoadedKey>();
  private active: LoadedKey | undefined;
  private loadedMtimeMs = -1;
  private lastCheckMs = 0;

  private constructor(private readonly dir: string) {}

  /** Opens the keyring, creating an active and a standby key when the directory is empty. */
  static open(dir: string): Keyring {
    ensureKeysDir(dir);
    if (!readKeyringFile(dir)) {
      writeKeyringFile(dir, { version: 1, keys: [generateKeyFile(dir, 'active'), generateKeyFile(dir, 'standby')] });
    }
    const keyring = new Keyring(dir);
    keyring.reload();
    return keyring;
  }

  signingKey(): SigningKey {
    this.reloadIfChanged();
    const active = this.active!;
    return { kid: active.record.kid, alg: active.record.alg, privateKey: active.privateKey };
  }

  jwks(): Jwks {
    this.reloadIfChanged();
    return { keys: [...this.keys.values()].map((key) => key.jwk) };
  }

  async getKey(kid: string): Promise<VerificationKey | undefined> {
    this.reloadIfChanged();
    return this.keys.get(kid)?.verification;
  }

  records(): KeyRecord[] {
    this.reloadIfChanged();
    return [...this.keys.values()].map((key) => key.record);
  }

  /** Re-reads the directory when keyring.json changed; cheap enough to call on every use. */
  reloadIfChanged(now = Date.now()): void {
    if (now - this.lastCheckMs < RELOAD_CHECK_INTERVAL_MS) return;
    this.lastCheckMs = now;
    const mtime = fs.statSync(keyringPath(this.dir)).mtimeMs;
    if (mtime !== this.loadedMtimeMs) this.reload();
  }

  /** Loads every key; a keyring without exactly one active key is refused rather than guessed at. */
  reload(): void {
    const file = readKeyringFile(this.dir);
    if (!file) throw new Error(`keyring: ${keyringPath(this.dir)} is missing`);
    const next = new Map<string, LoadedKey>();
    for (const record of file.keys) {
      const privateKey = createPrivateKey(readPrivateKeyPem(this.dir, record.kid));
      const publicKey = createPublicKey(privateKey);
      const material = publicKey.export({ format: 'jwk' });
      const jwk: PublicJwk = {
        kty: 'EC',
        crv: 'P-256',
        x: material.x!,
        y: material.y!,
        kid: record.kid,
        alg: record.alg,
        use: 'sig',
      };
      next.set(record.kid, { record, privateKey, jwk, verification: { kid: record.kid, alg: record.alg, key: publicKey } });
    }
    const active = [...next.values()].filter((key) => key.record.status === 'active');
    if (active.length !== 1) throw new Error(`keyring: expected exactly one active key, found ${active.length}`);
    this.keys = next;
    this.active = active[0];
    this.loadedMtimeMs = fs.statSync(keyringPath(this.dir)).mtimeMs;
    this.lastCheckMs = Date.now();
  }
}
