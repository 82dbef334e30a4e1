import { type JsonRequest, requestJson } from '../http/json-request.js';

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
    private readonly request: JsonRequest = requestJson,
  ) {}

  async token(options: { forceRefresh?: boolean } = {}): Promise<string> {
    if (!options.forceRefresh && this.cached && this.cached.expiresAtMs - 60_000 > Date.now()) return this.cached.token;
    const response = await this.request(`${this.apiUrl}/v1/nodes/token`, {
      method: 'POST',
      body: { node_id: this.nodeId, node_secret: this.nodeSecret },
      timeoutMs: 10_000,
      maxBytes: 64 * 1024,
    });
    const body = (response.body ?? {}) as { code?: string; access_token?: unknown; expires_in?: unknown };
    if (!response.ok) throw new NodeTokenError(response.status, body.code ?? 'error');
    if (typeof body.access_token !== 'string' || typeof body.expires_in !== 'number') {
      throw new NodeTokenError(response.status, 'malformed_token_response');
    }
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
