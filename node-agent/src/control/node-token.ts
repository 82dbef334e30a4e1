/**
 * Node access tokens: exchanged for the node secret at `POST /v1/nodes/token`, cached until a
 * minute before expiry. The secret never leaves this process except to the auth-api.
 */
export class NodeTokenProvider {
  private cached: { token: string; expiresAtMs: number } | undefined;

  constructor(
    private readonly apiUrl: string,
    private readonly nodeId: number,
    private readonly nodeSecret: string,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  async token(options: { forceRefresh?: boolean } = {}): Promise<string> {
    if (!options.forceRefresh && this.cached && this.cached.expiresAtMs - 60_000 > Date.now()) return this.cached.token;
    const response = await this.fetchImpl(`${this.apiUrl}/v1/nodes/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ node_id: this.nodeId, node_secret: this.nodeSecret }),
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) {
      const body = (await response.json().catch(() => ({}))) as { code?: string };
      throw new NodeTokenError(response.status, body.code ?? 'error');
    }
    const body = (await response.json()) as { access_token: string; expires_in: number };
    this.cached = { token: body.access_token, expiresAtMs: Date.now() + body.expires_in * 1000 };
    return body.access_token;
  }
}

export class NodeTokenError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
  ) {
    super(`the auth-api refused the node credentials (${status} ${code})`);
    this.name = 'NodeTokenError';
  }
}
