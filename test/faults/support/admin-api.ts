import { setTimeout as sleep } from 'node:timers/promises';
import { call, login } from '../../support/auth-api.js';

/** A reply, or status 0 when none came (refused, reset, timed out): the outcome is then unknown. */
export interface Reply<T = Record<string, unknown>> {
  status: number;
  body: T;
  retryAfter: string | null;
  error?: string;
}

export interface NodeView {
  id: number;
  name: string;
  tunnel_ip: string;
  online: boolean;
  desired_revision: number;
  applied_revision: number | null;
  last_error: string | null;
}

export interface ForwardView {
  id: number | string;
  protocol: string;
  public_port: number;
  target_ip: string;
  target_port: number;
}

export interface CommandView {
  id: string;
  node_id: number;
  type: string;
  status: string;
  error: string | null;
  created_at: string;
  expires_at: string;
}

/**
 * The admin's view of the API through the auth proxy: every request bounded in time, a failed
 * request reported rather than thrown (faults make failures normal), one re-login on 401.
 */
export class AdminApi {
  private token: string | undefined;

  constructor(readonly baseUrl: string) {}

  /** Logs in, retrying for up to `timeoutMs` (the API may be mid-fault). */
  async login(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (let attempt = 0; attempt < 1_000; attempt += 1) {
      try {
        this.token = (await login(this.baseUrl)).access_token;
        return;
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`admin login failed for ${timeoutMs} ms: ${(error as Error).message}`);
        await sleep(Math.min(1_000, 100 * 2 ** attempt));
      }
    }
    throw new Error('admin login: too many attempts');
  }

  async accessToken(): Promise<string> {
    if (!this.token) await this.login();
    return this.token!;
  }

  async request<T = Record<string, unknown>>(method: string, route: string, body?: unknown, timeoutMs = 5_000): Promise<Reply<T>> {
    const once = async (): Promise<Reply<T>> => {
      try {
        const reply = await call<T>(this.baseUrl, method, route, {
          token: await this.accessToken(),
          signal: AbortSignal.timeout(timeoutMs),
          ...(body !== undefined ? { body } : {}),
        });
        return { status: reply.status, body: reply.body, retryAfter: reply.headers.get('retry-after') };
      } catch (error) {
        return { status: 0, body: undefined as T, retryAfter: null, error: (error as Error).message };
      }
    };
    const reply = await once();
    if (reply.status !== 401) return reply;
    this.token = undefined;
    return once();
  }

  /** Every node, or undefined when the API did not answer. */
  async nodes(): Promise<NodeView[] | undefined> {
    const reply = await this.request<{ items: NodeView[] }>('GET', '/v1/nodes?limit=500');
    return reply.status === 200 ? reply.body.items : undefined;
  }

  async forwards(nodeId: number): Promise<ForwardView[] | undefined> {
    const reply = await this.request<{ items: ForwardView[] }>('GET', `/v1/nodes/${nodeId}/port-forwards`);
    return reply.status === 200 ? reply.body.items : undefined;
  }

  async command(id: string): Promise<CommandView | undefined> {
    const reply = await this.request<CommandView>('GET', `/v1/commands/${id}`);
    return reply.status === 200 ? reply.body : undefined;
  }

  /** A node's commands (`GET /v1/nodes/:id/commands`), or undefined when the route does not answer 200. */
  async nodeCommands(nodeId: number): Promise<CommandView[] | undefined> {
    const reply = await this.request<{ items: CommandView[] }>('GET', `/v1/nodes/${nodeId}/commands?limit=500`);
    return reply.status === 200 ? reply.body.items : undefined;
  }
}
