import { importUsableKeys, type Jwks, type KeySet, type VerificationKey } from '@wirefleet/shared/tokens';
import { type JsonRequest, requestJson } from '../http/json-request.js';
import type { StateStore } from '../state/state-store.js';

const MIN_REFETCH_MS = 30_000;

/**
 * The auth-api's JWKS, cached on disk. Known keys verify offline (a restart while the control
 * plane is down can still verify the last config); an unknown `kid` refetches at most every
 * 30 s. If the keys cannot be had, verification fails — the agent fails closed.
 */
export class CachedJwks implements KeySet {
  private keys = new Map<string, VerificationKey>();
  private fetchedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly url: string,
    private readonly state: StateStore,
    private readonly request: JsonRequest = requestJson,
  ) {
    const cached = state.jwks();
    if (cached) this.load(cached);
  }

  async getKey(kid: string): Promise<VerificationKey | undefined> {
    const known = this.keys.get(kid);
    if (known) return known;
    if (Date.now() - this.fetchedAt >= MIN_REFETCH_MS) await this.refresh().catch(() => undefined);
    return this.keys.get(kid);
  }

  async refresh(): Promise<void> {
    this.fetchedAt = Date.now();
    const response = await this.request(this.url, { timeoutMs: 5_000, maxBytes: 256 * 1024 });
    if (!response.ok) throw new Error(`JWKS ${this.url} answered ${response.status}`);
    const jwks = response.body as Jwks;
    if (typeof jwks !== 'object' || jwks === null || !Array.isArray(jwks.keys)) throw new Error(`JWKS ${this.url} is not a key set`);
    this.load(jwks);
    this.state.saveJwks(jwks);
  }

  private load(jwks: Jwks): void {
    this.keys = importUsableKeys(jwks);
  }
}
