import type { EventFrame } from '@wirefleet/shared/protocol';
import { HttpClient } from '../api/http-client.js';
import type { FleetNode } from '../api/resources.js';

let offset = 0;

/** A node as GET /v1/nodes returns it, with `changes` on top. */
export function node(id: number, changes: Partial<FleetNode> = {}): FleetNode {
  return {
    id,
    name: `node-${id}`,
    region: 'eu',
    hostname: null,
    agent_version: '1.0.0',
    tunnel_ip: `100.96.${Math.floor(id / 250)}.${(id % 250) + 1}`,
    endpoint: null,
    listen_port: 51820,
    wg_public_key: `${String(id).padStart(42, 'A')}A=`,
    routes: [],
    tags: [],
    online: true,
    last_seen_at: '2026-01-01T00:00:00.000Z',
    desired_revision: 3,
    applied_revision: 3,
    last_error: null,
    drift: false,
    state_digest: null,
    peers: [],
    created_at: '2026-01-01T00:00:00.000Z',
    updated_at: '2026-01-01T00:00:00.000Z',
    ...changes,
  };
}

/** A room event as the gateway delivers it. */
export function event(room: string, name: string, data: unknown, ts = Date.now()): EventFrame {
  offset += 1;
  return { type: 'event', room, event: name, data, offset: `e1-${offset}`, ts };
}

export type Route = (request: { method: string; url: string; body: unknown; headers: Record<string, string> }) => { status: number; body?: unknown; headers?: Record<string, string> };

/** An HttpClient over a scripted fetch; `calls` records every request. */
export function scriptedHttp(route: Route, token = 'access-1') {
  const calls: Array<{ method: string; url: string; body: unknown; headers: Record<string, string> }> = [];
  const fetchImpl = (async (input: string, init: RequestInit = {}) => {
    const request = {
      method: init.method ?? 'GET',
      url: String(input),
      body: init.body ? JSON.parse(String(init.body)) : undefined,
      headers: (init.headers ?? {}) as Record<string, string>,
    };
    calls.push(request);
    const answer = route(request);
    const contentType = answer.status >= 400 ? 'application/problem+json' : 'application/json';
    return new Response(answer.status === 204 ? null : JSON.stringify(answer.body ?? {}), {
      status: answer.status,
      headers: { 'content-type': contentType, ...answer.headers },
    });
  }) as typeof fetch;
  const http = new HttpClient({ baseUrl: '', accessToken: async () => token, renewAfterRefusal: async () => false, fetch: fetchImpl });
  return { http, calls, fetchImpl };
}

export const flush = () => new Promise((resolve) => setTimeout(resolve, 0));
