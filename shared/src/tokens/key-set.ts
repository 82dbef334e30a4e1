import { type KeyObject, createPublicKey } from 'node:crypto';
import { ALLOWED_ALGORITHMS, type SigningAlgorithm } from './claims.js';
import { TokenError } from './token-error.js';

/** A public JWK as the auth-api publishes it at /.well-known/jwks.json. */
export interface PublicJwk {
  kty: 'EC' | 'OKP';
  crv: 'P-256' | 'Ed25519';
  x: string;
  y?: string;
  kid: string;
  alg: SigningAlgorithm;
  use: 'sig';
}

export interface Jwks {
  keys: PublicJwk[];
}

export interface VerificationKey {
  kid: string;
  alg: SigningAlgorithm;
  key: KeyObject;
}

/**
 * Where verifiers find public keys by `kid`. Implementations: a fixed set (tests, the auth-api's
 * own keyring, a JWKS file) and a remote JWKS that is cached and refetched on an unknown `kid`.
 */
export interface KeySet {
  /** The key for `kid`, or undefined when no published key has that id. */
  getKey(kid: string): Promise<VerificationKey | undefined>;
  /**
   * False while a key set that loads its keys from elsewhere has none yet (nothing can verify);
   * key sets that are complete from the start leave it out.
   */
  hasKeys?(): boolean;
}

/** Converts a published JWK into a verification key; throws on anything but ES256/EdDSA keys. */
export function importPublicJwk(jwk: PublicJwk): VerificationKey {
  if (!ALLOWED_ALGORITHMS.includes(jwk.alg)) throw new Error(`unsupported JWK alg ${String(jwk.alg)}`);
  const expectedCurve = jwk.alg === 'ES256' ? 'P-256' : 'Ed25519';
  if (jwk.crv !== expectedCurve) throw new Error(`JWK ${jwk.kid}: alg ${jwk.alg} needs curve ${expectedCurve}`);
  const material =
    jwk.kty === 'EC' ? { kty: 'EC', crv: jwk.crv, x: jwk.x, y: jwk.y } : { kty: 'OKP', crv: jwk.crv, x: jwk.x };
  return { kid: jwk.kid, alg: jwk.alg, key: createPublicKey({ key: material, format: 'jwk' }) };
}

/**
 * The usable keys of a fetched JWKS by `kid`. A key of a kind we do not accept (another curve,
 * RSA, a malformed entry) cannot verify anything and is left out rather than failing the set.
 */
export function importUsableKeys(jwks: Jwks): Map<string, VerificationKey> {
  const keys = new Map<string, VerificationKey>();
  for (const jwk of jwks.keys ?? []) {
    try {
      keys.set(jwk.kid, importPublicJwk(jwk));
    } catch {
      // left out, see above
    }
  }
  return keys;
}

export class StaticKeySet implements KeySet {
  private readonly keys = new Map<string, VerificationKey>();

  constructor(jwks: Jwks | VerificationKey[]) {
    const keys = Array.isArray(jwks) ? jwks : jwks.keys.map(importPublicJwk);
    for (const key of keys) this.keys.set(key.kid, key);
  }

  async getKey(kid: string): Promise<VerificationKey | undefined> {
    return this.keys.get(kid);
  }
}

/** What `RemoteJwksKeySet.loadUntilReady` reports, so the caller can log in its own words. */
export interface KeyLoadObserver {
  /** A fetch failed or held no usable key; the next try is in `retryInMs`. */
  failed(error: unknown, attempt: number, retryInMs: number): void;
  loaded(keyCount: number, attempts: number): void;
}

export interface KeyLoadBackoff {
  /** First wait after a failure (default 1 s); each later wait doubles, up to `maxMs` (60 s). */
  initialMs?: number;
  maxMs?: number;
}

export interface RemoteJwksOptions {
  url: string;
  /** An unknown `kid` triggers at most one refetch per this interval (default 30 s). */
  minRefetchIntervalMs?: number;
  /** Known keys are refreshed in the background after this long (default 5 min). */
  maxAgeMs?: number;
  fetchImpl?: typeof fetch;
  now?: () => number;
}

/**
 * A JWKS fetched over HTTP. An unknown `kid` refetches (rotation publishes the next key
 * before it signs anything), but at most once per `minRefetchIntervalMs`, so a flood of
 * tokens with made-up kids cannot turn into a flood of requests to the auth-api.
 */
export class RemoteJwksKeySet implements KeySet {
  private keys = new Map<string, VerificationKey>();
  private fetchedAt = Number.NEGATIVE_INFINITY;
  private inFlight: Promise<void> | undefined;
  private readonly minRefetchIntervalMs: number;
  private readonly maxAgeMs: number;
  private readonly fetchImpl: typeof fetch;
  private readonly now: () => number;

  constructor(private readonly options: RemoteJwksOptions) {
    this.minRefetchIntervalMs = options.minRefetchIntervalMs ?? 30_000;
    this.maxAgeMs = options.maxAgeMs ?? 300_000;
    this.fetchImpl = options.fetchImpl ?? fetch;
    this.now = options.now ?? Date.now;
  }

  async getKey(kid: string): Promise<VerificationKey | undefined> {
    const age = this.now() - this.fetchedAt;
    const known = this.keys.get(kid);
    if (known && age < this.maxAgeMs) return known;
    // A fetch already under way (e.g. the very first one) is awaited rather than skipped:
    // otherwise every lookup made while it runs would report an unknown kid.
    if (age >= this.minRefetchIntervalMs || this.inFlight !== undefined) {
      try {
        await this.refresh();
      } catch (error) {
        // With no keys at all there is nothing to verify against: say so rather than "unknown kid".
        if (this.keys.size === 0) throw new TokenError('keys_unavailable', `JWKS fetch failed: ${String(error)}`);
      }
    }
    return this.keys.get(kid);
  }

  /** True once a fetch has produced at least one usable key; until then nothing verifies. */
  hasKeys(): boolean {
    return this.keys.size > 0;
  }

  /**
   * Fetches the keys now and, until a fetch yields a usable key, again and again with
   * exponential backoff and ±25 % jitter, so a gateway started before its auth-api becomes
   * usable by itself. Returns a function that stops the retries.
   */
  loadUntilReady(observer: KeyLoadObserver, backoff: KeyLoadBackoff = {}): () => void {
    const initialMs = backoff.initialMs ?? 1_000;
    const maxMs = backoff.maxMs ?? 60_000;
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    const attempt = async (count: number): Promise<void> => {
      let failure: unknown;
      try {
        await this.refresh();
        if (this.hasKeys()) return observer.loaded(this.keys.size, count);
        failure = new Error(`JWKS ${this.options.url} holds no usable ES256 or EdDSA key`);
      } catch (error) {
        failure = error;
      }
      if (stopped) return;
      const base = Math.min(maxMs, initialMs * 2 ** (count - 1));
      const retryInMs = Math.round(base * (0.75 + Math.random() * 0.5));
      observer.failed(failure, count, retryInMs);
      timer = setTimeout(() => void attempt(count + 1), retryInMs);
      // The retries alone must not keep a process alive that has nothing else to do.
      timer.unref();
    };
    void attempt(1);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }

  /** Fetches the JWKS now; concurrent callers share one request. */
  refresh(): Promise<void> {
    this.inFlight ??= this.load().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async load(): Promise<void> {
    this.fetchedAt = this.now();
    const response = await this.fetchImpl(this.options.url, { signal: AbortSignal.timeout(5_000) });
    if (!response.ok) throw new Error(`JWKS ${this.options.url} answered ${response.status}`);
    this.keys = importUsableKeys((await response.json()) as Jwks);
  }
}
