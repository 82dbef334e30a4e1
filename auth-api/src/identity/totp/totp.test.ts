import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  base32Decode,
  base32Encode,
  generateTotpSecret,
  otpauthUri,
  SecretBox,
  SecretBoxError,
  type TotpAlgorithm,
  timeStep,
  totpCode,
  verifyTotp,
} from './index.js';

describe('totpCode: RFC 6238 Appendix B test vectors', () => {
  const seeds: Record<TotpAlgorithm, Buffer> = {
    sha1: Buffer.from('12345678901234567890', 'ascii'),
    sha256: Buffer.from('12345678901234567890123456789012', 'ascii'),
    sha512: Buffer.from('1234567890123456789012345678901234567890123456789012345678901234', 'ascii'),
  };
  const vectors: [number, Record<TotpAlgorithm, string>][] = [
    [59, { sha1: '94287082', sha256: '46119246', sha512: '90693936' }],
    [1111111109, { sha1: '07081804', sha256: '68084774', sha512: '25091201' }],
    [1111111111, { sha1: '14050471', sha256: '67062674', sha512: '99943326' }],
    [1234567890, { sha1: '89005924', sha256: '91819424', sha512: '93441116' }],
    [2000000000, { sha1: '69279037', sha256: '90698825', sha512: '38618901' }],
    [20000000000, { sha1: '65353130', sha256: '77737706', sha512: '47863826' }],
  ];
  const rows = vectors.flatMap(([seconds, codes]) =>
    (Object.keys(codes) as TotpAlgorithm[]).map(
      (algorithm) => [seconds, algorithm, codes[algorithm]] as const,
    ),
  );

  it.each(rows)('T=%i %s → %s', (seconds, algorithm, expected) => {
    expect(totpCode(seeds[algorithm], timeStep(seconds * 1000), { digits: 8, algorithm })).toBe(expected);
  });

  it('defaults to 6 digits of SHA-1 (the low digits of the 8-digit value)', () => {
    expect(totpCode(seeds.sha1, timeStep(59_000))).toBe('287082');
  });

  it('rejects negative or fractional steps', () => {
    expect(() => totpCode(seeds.sha1, -1)).toThrow(RangeError);
    expect(() => totpCode(seeds.sha1, 1.5)).toThrow(RangeError);
  });
});

describe('timeStep', () => {
  it('counts 30-second periods since the epoch', () => {
    expect(timeStep(0)).toBe(0);
    expect(timeStep(29_999)).toBe(0);
    expect(timeStep(30_000)).toBe(1);
    expect(timeStep(59_000, 60)).toBe(0);
  });
});

describe('verifyTotp', () => {
  const secret = generateTotpSecret();
  const bytes = base32Decode(secret);
  // Mid-period, so ±1 step is exactly one period away whichever way the test is read.
  const nowMs = 1_700_000_015_000;
  const current = timeStep(nowMs);
  const codeAt = (step: number) => totpCode(bytes, step);

  it('accepts the current code and returns its step', () => {
    expect(verifyTotp(secret, codeAt(current), { nowMs })).toEqual({ ok: true, step: current });
  });

  it('accepts ±1 step by default and nothing further', () => {
    expect(verifyTotp(secret, codeAt(current - 1), { nowMs })).toEqual({ ok: true, step: current - 1 });
    expect(verifyTotp(secret, codeAt(current + 1), { nowMs })).toEqual({ ok: true, step: current + 1 });
    expect(verifyTotp(secret, codeAt(current - 2), { nowMs })).toEqual({ ok: false });
    expect(verifyTotp(secret, codeAt(current + 2), { nowMs })).toEqual({ ok: false });
  });

  it('honours a custom window', () => {
    expect(verifyTotp(secret, codeAt(current - 1), { nowMs, window: 0 })).toEqual({ ok: false });
    expect(verifyTotp(secret, codeAt(current - 2), { nowMs, window: 2 })).toEqual({
      ok: true,
      step: current - 2,
    });
  });

  it('refuses a replay: a step at or before lastAcceptedStep', () => {
    const first = verifyTotp(secret, codeAt(current), { nowMs });
    expect(first).toEqual({ ok: true, step: current });
    expect(verifyTotp(secret, codeAt(current), { nowMs, lastAcceptedStep: current })).toEqual({ ok: false });
    expect(verifyTotp(secret, codeAt(current - 1), { nowMs, lastAcceptedStep: current })).toEqual({
      ok: false,
    });
    expect(verifyTotp(secret, codeAt(current + 1), { nowMs, lastAcceptedStep: current })).toEqual({
      ok: true,
      step: current + 1,
    });
    expect(verifyTotp(secret, codeAt(current), { nowMs, lastAcceptedStep: current - 1 })).toEqual({
      ok: true,
      step: current,
    });
    expect(verifyTotp(secret, codeAt(current), { nowMs, lastAcceptedStep: null })).toEqual({
      ok: true,
      step: current,
    });
  });

  it('rejects codes that are not exactly 6 digits', () => {
    const code = codeAt(current);
    for (const bad of [
      '',
      code.slice(0, 5),
      `${code}0`,
      ` ${code}`,
      `${code}\n`,
      code.replace(/^./, 'a'),
      '１２３４５６',
    ]) {
      expect(verifyTotp(secret, bad, { nowMs })).toEqual({ ok: false });
    }
    const eightDigits = totpCode(bytes, current, { digits: 8 });
    expect(verifyTotp(secret, eightDigits, { nowMs })).toEqual({ ok: false });
  });

  it('rejects a code for another secret', () => {
    const other = base32Decode(generateTotpSecret());
    const code = totpCode(other, current);
    const ownCodes = [current - 1, current, current + 1].map(codeAt);
    // A 1-in-a-million collision with one of our own codes would make this flaky, so skip that case.
    if (!ownCodes.includes(code)) expect(verifyTotp(secret, code, { nowMs })).toEqual({ ok: false });
  });

  it('accepts a lowercase secret as typed by hand', () => {
    expect(verifyTotp(secret.toLowerCase(), codeAt(current), { nowMs }).ok).toBe(true);
  });
});

describe('base32', () => {
  it('matches RFC 4648 §10 test vectors (padding dropped)', () => {
    const vectors: [string, string][] = [
      ['', ''],
      ['f', 'MY'],
      ['fo', 'MZXQ'],
      ['foo', 'MZXW6'],
      ['foob', 'MZXW6YQ'],
      ['fooba', 'MZXW6YTB'],
      ['foobar', 'MZXW6YTBOI'],
    ];
    for (const [plain, encoded] of vectors) {
      expect(base32Encode(Buffer.from(plain))).toBe(encoded);
      expect(base32Decode(encoded).toString()).toBe(plain);
      expect(base32Decode(`${encoded}${'='.repeat((8 - (encoded.length % 8)) % 8)}`).toString()).toBe(plain);
    }
  });

  it('round-trips any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 128 }), (bytes) => {
        const encoded = base32Encode(bytes);
        expect(encoded).toMatch(/^[A-Z2-7]*$/);
        expect(base32Decode(encoded).equals(Buffer.from(bytes))).toBe(true);
        expect(base32Decode(encoded.toLowerCase()).equals(Buffer.from(bytes))).toBe(true);
      }),
    );
  });

  it('refuses characters outside the alphabet and impossible lengths', () => {
    expect(() => base32Decode('MZXW1')).toThrow(RangeError);
    expect(() => base32Decode('MZ XW')).toThrow(RangeError);
    expect(() => base32Decode('M')).toThrow(RangeError);
    expect(() => base32Decode('MZX')).toThrow(RangeError);
  });

  it('generates 20-byte secrets with no padding', () => {
    const secret = generateTotpSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(base32Decode(secret)).toHaveLength(20);
    expect(generateTotpSecret()).not.toBe(secret);
  });
});

describe('otpauthUri', () => {
  it('builds the Key URI authenticator apps expect', () => {
    expect(
      otpauthUri({ secret: 'JBSWY3DPEHPK3PXP', account: 'alice@example.com', issuer: 'Wirefleet' }),
    ).toBe(
      'otpauth://totp/Wirefleet:alice%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=Wirefleet&algorithm=SHA1&digits=6&period=30',
    );
  });

  it('percent-encodes spaces, ampersands and other reserved characters', () => {
    const uri = otpauthUri({
      secret: 'JBSWY3DPEHPK3PXP',
      account: 'bob smith&co',
      issuer: 'Wire Fleet/Prod?',
    });
    expect(uri).toBe(
      'otpauth://totp/Wire%20Fleet%2FProd%3F:bob%20smith%26co?secret=JBSWY3DPEHPK3PXP&issuer=Wire%20Fleet%2FProd%3F&algorithm=SHA1&digits=6&period=30',
    );
    const parsed = new URL(uri);
    expect(parsed.searchParams.get('issuer')).toBe('Wire Fleet/Prod?');
  });

  it('refuses colons in issuer or account', () => {
    expect(() => otpauthUri({ secret: 'A', account: 'a:b', issuer: 'Wirefleet' })).toThrow(RangeError);
    expect(() => otpauthUri({ secret: 'A', account: 'a', issuer: 'Wire:fleet' })).toThrow(RangeError);
  });
});

describe('SecretBox', () => {
  const key = randomBytes(32);
  const box = new SecretBox(key);

  it('round-trips any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (plaintext) => {
        const sealed = box.seal(plaintext);
        expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]{22}$/);
        expect(box.open(sealed)).toBe(plaintext);
      }),
    );
  });

  it('uses a fresh IV every time', () => {
    const secret = generateTotpSecret();
    expect(box.seal(secret)).not.toBe(box.seal(secret));
  });

  it('detects tampering with any part', () => {
    const sealed = box.seal(generateTotpSecret());
    const [version, ...parts] = sealed.split('.') as [string, string, string, string];
    for (let index = 0; index < parts.length; index++) {
      const bytes = Buffer.from(parts[index]!, 'base64url');
      bytes[0] = bytes[0]! ^ 0x01;
      const altered = [...parts];
      altered[index] = bytes.toString('base64url');
      expect(() => box.open([version, ...altered].join('.'))).toThrow(SecretBoxError);
    }
    const truncatedTag = Buffer.from(parts[2], 'base64url').subarray(0, 12).toString('base64url');
    expect(() => box.open([version, parts[0], parts[1], truncatedTag].join('.'))).toThrow(SecretBoxError);
    expect(() => box.open(sealed.replace(/^v1/, 'v2'))).toThrow(SecretBoxError);
    expect(() => box.open(sealed.split('.').slice(0, 3).join('.'))).toThrow(SecretBoxError);
    expect(() => box.open(`${sealed}x`)).toThrow(SecretBoxError);
  });

  it('cannot be opened with another key', () => {
    const sealed = box.seal('JBSWY3DPEHPK3PXP');
    expect(() => new SecretBox(randomBytes(32)).open(sealed)).toThrow(SecretBoxError);
  });

  it('keeps its own copy of the key and refuses keys of the wrong size', () => {
    const mutable = Buffer.from(key);
    const own = new SecretBox(mutable);
    mutable.fill(0);
    expect(own.open(box.seal('x'))).toBe('x');
    expect(() => new SecretBox(randomBytes(16))).toThrow(RangeError);
  });
});
