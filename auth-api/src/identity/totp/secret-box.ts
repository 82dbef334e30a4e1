import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const KEY_BYTES = 32;
/** 96-bit IVs are GCM's native size (NIST SP 800-38D); random IVs are safe far beyond our volume. */
const IV_BYTES = 12;
const TAG_BYTES = 16;
const B64URL = /^[A-Za-z0-9_-]*$/;

/** Thrown when a sealed value is malformed, was sealed under another key, or was altered. */
export class SecretBoxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretBoxError';
  }
}

/**
 * Encrypts secrets at rest (TOTP seeds) with AES-256-GCM, so a database dump alone does not
 * yield second factors. Output: `v1.<iv>.<ciphertext>.<tag>`, each part base64url; the version
 * prefix leaves room to change algorithm or key later without guessing at old rows.
 */
export class SecretBox {
  private readonly key: Buffer;

  constructor(key: Buffer) {
    if (!Buffer.isBuffer(key) || key.length !== KEY_BYTES) {
      throw new RangeError(`SecretBox needs a ${KEY_BYTES}-byte key`);
    }
    // A private copy, so the caller reusing or zeroing its buffer does not change our key.
    this.key = Buffer.from(key);
  }

  seal(plaintext: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv, { authTagLength: TAG_BYTES });
    // The version is authenticated too, so it cannot be rewritten to steer how a value is opened.
    cipher.setAAD(Buffer.from(VERSION));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [VERSION, ...[iv, ciphertext, tag].map((part) => part.toString('base64url'))].join('.');
  }

  open(sealed: string): string {
    const parts = sealed.split('.');
    if (parts.length !== 4 || parts[0] !== VERSION) throw new SecretBoxError('not a v1 sealed secret');
    const [iv, ciphertext, tag] = parts.slice(1).map((part) => {
      if (!B64URL.test(part)) throw new SecretBoxError('sealed secret is not base64url');
      return Buffer.from(part, 'base64url');
    }) as [Buffer, Buffer, Buffer];
    // An exact tag length matters: GCM would otherwise accept a truncated, much weaker tag.
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES)
      throw new SecretBoxError('sealed secret is malformed');
    const decipher = createDecipheriv('aes-256-gcm', this.key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(VERSION));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
    } catch {
      // final() throws only on a tag mismatch: wrong key or altered data; the cause adds nothing.
      throw new SecretBoxError('sealed secret failed authentication');
    }
  }
}
