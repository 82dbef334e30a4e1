import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** TOTP (RFC 6238) over HOTP (RFC 4226), with base32 (RFC 4648 §6) secrets as authenticator apps expect. */

export type TotpAlgorithm = 'sha1' | 'sha256' | 'sha512';

/** Authenticator apps reliably support only these parameters, so they are what we enrol and verify. */
export const TOTP_DIGITS = 6;
export const TOTP_PERIOD_SECONDS = 30;
/** 160 bits: the HMAC-SHA1 block-size recommendation of RFC 4226 §4. */
const SECRET_BYTES = 20;

const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 without `=` padding (the form otpauth URIs carry). */
export function base32Encode(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += BASE32_ALPHABET[(buffer >> bits) & 0x1f];
    }
  }
  if (bits > 0) out += BASE32_ALPHABET[(buffer << (5 - bits)) & 0x1f];
  return out;
}

/**
 * Decodes RFC 4648 base32. Case-insensitive and tolerant of trailing `=` padding (people paste
 * secrets by hand); anything else that is not in the alphabet, or a length no encoder produces,
 * throws rather than silently yielding a different secret.
 */
export function base32Decode(text: string): Buffer {
  const clean = text.toUpperCase().replace(/=+$/, '');
  // 1, 3 or 6 trailing characters cannot come from whole bytes.
  if ([1, 3, 6].includes(clean.length % 8)) throw new RangeError('base32 text has an impossible length');
  const out: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const char of clean) {
    const value = BASE32_ALPHABET.indexOf(char);
    if (value === -1) throw new RangeError('base32 text contains a character outside the alphabet');
    buffer = ((buffer << 5) | value) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((buffer >> bits) & 0xff);
    }
  }
  return Buffer.from(out);
}

/** A fresh random TOTP secret (20 bytes), base32 without padding. */
export function generateTotpSecret(): string {
  return base32Encode(randomBytes(SECRET_BYTES));
}

/**
 * The Key URI authenticator apps scan (`otpauth://totp/Issuer:account?...`). Neither part may
 * contain a colon: apps split the label on it, so it would enrol under the wrong name.
 */
export function otpauthUri({
  secret,
  account,
  issuer,
}: {
  secret: string;
  account: string;
  issuer: string;
}): string {
  if (issuer.includes(':') || account.includes(':'))
    throw new RangeError('issuer and account must not contain ":"');
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(account)}`;
  // Built by hand rather than with URLSearchParams, which encodes spaces as "+" (apps expect %20).
  const query = [
    `secret=${encodeURIComponent(secret)}`,
    `issuer=${encodeURIComponent(issuer)}`,
    'algorithm=SHA1',
    `digits=${TOTP_DIGITS}`,
    `period=${TOTP_PERIOD_SECONDS}`,
  ].join('&');
  return `otpauth://totp/${label}?${query}`;
}

/** The TOTP time step (RFC 6238 `T`) containing `nowMs`. */
export function timeStep(nowMs: number, period = TOTP_PERIOD_SECONDS): number {
  return Math.floor(nowMs / 1000 / period);
}

/** The HOTP value (RFC 4226 §5.3) for counter `step`, zero-padded to `digits`. */
export function totpCode(
  secretBytes: Buffer,
  step: number,
  { digits = TOTP_DIGITS, algorithm = 'sha1' }: { digits?: number; algorithm?: TotpAlgorithm } = {},
): string {
  if (!Number.isSafeInteger(step) || step < 0) throw new RangeError('step must be a non-negative integer');
  if (!Number.isInteger(digits) || digits < 6 || digits > 10) throw new RangeError('digits must be 6 to 10');
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac(algorithm, secretBytes).update(counter).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  // 31-bit value < 10^10, so Number arithmetic is exact for every allowed digit count.
  return String(binary % 10 ** digits).padStart(digits, '0');
}

export interface VerifyTotpOptions {
  nowMs: number;
  /** Steps accepted either side of the current one, for clock drift and typing time. */
  window?: number;
  /**
   * The step of the last code this user had accepted. Steps at or before it are refused, so a
   * code cannot be replayed; the caller must store the returned step atomically (compare-and-set).
   */
  lastAcceptedStep?: number | null;
}

export type VerifyTotpResult = { ok: true; step: number } | { ok: false };

/** Checks a user-typed 6-digit code against `secret` (base32) within ±window steps of `nowMs`. */
export function verifyTotp(secret: string, code: string, options: VerifyTotpOptions): VerifyTotpResult {
  const { nowMs, window = 1, lastAcceptedStep } = options;
  if (!Number.isInteger(window) || window < 0 || window > 10) throw new RangeError('window must be 0 to 10');
  if (!/^[0-9]{6}$/.test(code)) return { ok: false };
  const secretBytes = base32Decode(secret);
  const given = Buffer.from(code, 'ascii');
  const current = timeStep(nowMs);
  let matched: number | undefined;
  // Every candidate is computed and compared, so timing does not reveal which step matched.
  for (let step = current - window; step <= current + window; step++) {
    if (step < 0) continue;
    const equal = timingSafeEqual(Buffer.from(totpCode(secretBytes, step), 'ascii'), given);
    const replayed = lastAcceptedStep !== undefined && lastAcceptedStep !== null && step <= lastAcceptedStep;
    if (equal && !replayed && matched === undefined) matched = step;
  }
  return matched === undefined ? { ok: false } : { ok: true, step: matched };
}
