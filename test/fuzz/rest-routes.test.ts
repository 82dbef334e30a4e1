import http from 'node:http';
import type { RouteDefinition } from '../../auth-api/src/platform/http/routes/index.js';
import { routeTable } from '../../auth-api/src/routes.js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, login, startTestAuthApi, type TestAuthApi } from '../support/auth-api.js';
import { createEnrollmentKey, type EnrolledNode, enrollNode, nodeToken } from '../support/fleet.js';
import { FUZZ_TIMEOUT_MS, fuzz } from '../support/fuzz.js';
import {
  applyEdit,
  COMMON_FIELDS,
  type FieldValues,
  garbageText,
  hostileString,
  invalidUtf8,
  ipAddress,
  type JsonModel,
  percentEncode,
  type TextEdit,
  textEdit,
  toJsonText,
  valuesFor,
} from '../support/hostile-input.js';

/**
 * Hostile requests against the real auth-api on Postgres: every route that reads a body, then
 * query strings and path ids. The answer must be one the OpenAPI document lists for that route
 * (status and `code`), as problem+json, and never 500. Bodies are also fuzzed in-process,
 * 10,000 per schema (rest-bodies.test.ts); here each request costs a round trip and real work
 * (hashing, transactions), so a few hundred per route reach the service code behind validation.
 */

/** Requests per body route; `FUZZ_HTTP_RUNS` raises it. */
const HTTP_RUNS = Number(process.env.FUZZ_HTTP_RUNS ?? 200);
/** Requests spread over every route with a query string, and over every route with a path id. */
const QUERY_RUNS = HTTP_RUNS * 2;

/** Limits out of the way, so requests reach the code behind them (their 429s are tested elsewhere). */
const GENEROUS_LIMITS = {
  LOGIN_LIMIT_PER_IP_PER_MINUTE: '1000000',
  LOGIN_FAILURES_PER_USER_IP: '1000000',
  LOGIN_BACKOFF_AFTER_FAILURES: '1000000',
  REFRESH_LIMIT_PER_IP_PER_MINUTE: '1000000',
  ENROLL_LIMIT_PER_IP_PER_MINUTE: '1000000',
  TOTP_FAILURES_PER_USER: '1000000',
};
const FUZZ_PASSWORD = 'fuzz-password-0123';

interface Operation {
  responses: Record<
    string,
    {
      content?: Record<
        string,
        { schema?: { allOf?: Array<{ properties?: { code?: { enum?: string[] } } }> } }
      >;
    }
  >;
}
type Document = { paths: Record<string, Record<string, Operation>> };

/** What one request carries; the body as data so a failure prints (and replays) exactly. */
interface RequestCase {
  body:
    | { kind: 'json'; value: JsonModel; edit: TextEdit }
    | { kind: 'text'; text: string }
    | { kind: 'bytes'; bytes: Buffer }
    | { kind: 'none' };
  contentType: string | null;
  contentEncoding: string | null;
}

const contentType = fc.oneof(
  { weight: 24, arbitrary: fc.constant<string | null>('application/json') },
  {
    weight: 2,
    arbitrary: fc.constantFrom<string | null>(
      'application/json; charset=utf-8',
      'APPLICATION/JSON',
      'application/json; charset=latin1',
      'application/json; charset=utf-16',
      'text/plain',
      'text/plain;charset=UTF-8',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/merge-patch+json',
      'application/xml',
      '',
      'json',
      'application/json, text/plain',
      'application/json; charset=',
    ),
  },
  { weight: 1, arbitrary: fc.constant<string | null>(null) },
);
const contentEncoding = fc.oneof(
  { weight: 30, arbitrary: fc.constant<string | null>(null) },
  {
    weight: 1,
    arbitrary: fc.constantFrom<string | null>('gzip', 'deflate', 'br', 'identity', 'x-unknown', 'gzip, gzip'),
  },
);

function requestCases(route: RouteDefinition, fields: FieldValues): fc.Arbitrary<RequestCase> {
  const body = fc.oneof(
    {
      weight: 85,
      arbitrary: fc.record({
        kind: fc.constant('json' as const),
        value: valuesFor(route.request!.body!, fields),
        edit: textEdit,
      }),
    },
    { weight: 8, arbitrary: fc.record({ kind: fc.constant('text' as const), text: garbageText }) },
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('bytes' as const), bytes: invalidUtf8 }) },
    { weight: 3, arbitrary: fc.constant({ kind: 'none' as const }) },
  );
  return fc.record({ body, contentType, contentEncoding });
}

function payloadOf(body: RequestCase['body']): Buffer | undefined {
  switch (body.kind) {
    case 'json':
      return Buffer.from(applyEdit(toJsonText(body.value), body.edit));
    case 'text':
      return Buffer.from(body.text);
    case 'bytes':
      return body.bytes;
    case 'none':
      return undefined;
  }
}

interface Answer {
  status: number;
  contentType: string;
  retryAfter: string | null;
  body: unknown;
  text: string;
}

/** One keep-alive connection for the whole file: fetch costs a few ms more per request here. */
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function send(
  url: string,
  method: string,
  headers: Record<string, string>,
  payload?: Buffer,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      {
        method,
        agent,
        headers: { ...headers, ...(payload ? { 'content-length': String(payload.length) } : {}) },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            body = undefined;
          }
          const retryAfter = response.headers['retry-after'];
          resolve({
            status: response.statusCode ?? 0,
            contentType: response.headers['content-type'] ?? '',
            retryAfter: typeof retryAfter === 'string' ? retryAfter : null,
            body,
            text,
          });
        });
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
}

/** The codes `operation` documents for `status`, or undefined when it documents no such status. */
function documentedCodes(operation: Operation, status: number): string[] | undefined {
  const response = operation.responses[String(status)];
  if (!response) return undefined;
  return response.content?.['application/problem+json']?.schema?.allOf?.[1]?.properties?.code?.enum ?? [];
}

/** Fails unless `answer` is one the route documents: its success status, or a problem with a listed code. */
function expectDocumented(operation: Operation, answer: Answer, extra: Record<number, string[]> = {}): void {
  const shown = { status: answer.status, body: answer.text.slice(0, 300) };
  expect(answer.status, JSON.stringify(shown)).not.toBe(500);
  const codes = [...(documentedCodes(operation, answer.status) ?? []), ...(extra[answer.status] ?? [])];
  expect(
    documentedCodes(operation, answer.status) !== undefined || codes.length > 0,
    `undocumented status: ${JSON.stringify(shown)}`,
  ).toBe(true);
  if (answer.status < 400) return;
  expect(answer.contentType, JSON.stringify(shown)).toMatch(/^application\/problem\+json/);
  const problem = answer.body as { status?: unknown; code?: unknown; errors?: unknown };
  expect(problem?.status, JSON.stringify(shown)).toBe(answer.status);
  expect(codes, `undocumented code: ${JSON.stringify(shown)}`).toContain(problem.code);
  if (problem.code === 'invalid_request' && problem.errors !== undefined) {
    expect(problem.errors).toEqual(
      expect.arrayContaining([{ path: expect.any(String), message: expect.any(String) }]),
    );
  }
  if (answer.status === 429 || answer.status === 503)
    expect(answer.retryAfter, JSON.stringify(shown)).toMatch(/^\d+$/);
}

describe('hostile requests against the running auth-api: documented answers only, never 500', () => {
  let t: TestAuthApi;
  let document: Document;
  let adminToken: string;
  let node: EnrolledNode;
  let nodeAccess: string;
  const ids: Record<string, string> = {};
  const fields: FieldValues = { ...COMMON_FIELDS };
  let totpSession: string;
  let logoutSession: string | undefined;

  beforeAll(async () => {
    t = await startTestAuthApi({ env: { ...GENEROUS_LIMITS, TRUST_PROXY: 'loopback' } });
    document = (await call<Document>(t.url, 'GET', '/openapi.json')).body;
    adminToken = (await login(t.url)).access_token;
    const user = async (username: string, role: string) => {
      const created = await call<{ id: number }>(t.url, 'POST', '/v1/users', {
        token: adminToken,
        body: { username, password: FUZZ_PASSWORD, role },
      });
      expect(created.status).toBe(201);
      return created.body.id;
    };
    ids.users = String(await user('fuzz-victim', 'viewer'));
    await user('fuzz-totp', 'operator');
    await user('fuzz-logout', 'viewer');
    await user('fuzz-refresh', 'viewer');
    totpSession = (await login(t.url, 'fuzz-totp', FUZZ_PASSWORD)).access_token;
    const refreshTokens = await Promise.all(
      [1, 2, 3].map(async () => (await login(t.url, 'fuzz-refresh', FUZZ_PASSWORD)).refresh_token),
    );
    const key = await createEnrollmentKey(t.url, adminToken, {
      reusable: true,
      max_uses: 1_000_000,
      tags: ['fuzz'],
    });
    node = await enrollNode(t.url, key.key, { listen_port: 51820, region: 'fuzz' });
    nodeAccess = await nodeToken(t.url, node);
    ids.nodes = String(node.node_id);
    const forward = await call<{ id: number }>(t.url, 'POST', `/v1/nodes/${node.node_id}/port-forwards`, {
      token: adminToken,
      body: { protocol: 'tcp', public_port: 8080, target_ip: node.tunnel_ip, target_port: 80 },
    });
    expect(forward.status).toBe(201);
    ids['port-forwards'] = String(forward.body.id);
    // Values only the running system knows, mixed with look-alikes, so valid requests reach the services.
    Object.assign(fields, {
      username: fc.oneof(
        fc.constantFrom('admin', 'fuzz-victim', 'FUZZ-TOTP'),
        fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._@-]{0,20}$/),
        hostileString,
      ),
      password: fc.oneof(fc.constant(FUZZ_PASSWORD), COMMON_FIELDS.password!),
      refresh_token: fc.oneof(fc.constantFrom(...refreshTokens), fc.string({ minLength: 1, maxLength: 80 })),
      enrollment_key: fc.oneof(fc.constant(key.key), fc.string({ minLength: 1, maxLength: 80 })),
      node_id: fc.oneof(fc.constant(node.node_id), fc.integer({ min: 1, max: 2 ** 31 })),
      node_secret: fc.oneof(fc.constant(node.node_secret), fc.string({ minLength: 1, maxLength: 80 })),
      target_ip: fc.oneof(
        fc.constant(node.tunnel_ip),
        ipAddress,
        fc.constantFrom(
          'fe80::1%eth0',
          '::ffff:100.96.0.1',
          '::',
          '0.0.0.0',
          '255.255.255.255',
          '100.96.255.255',
          '127.0.0.1',
        ),
      ),
      template: fc.oneof(
        fc.constantFrom('minecraft', 'web', 'rdp', 'dayz'),
        fc.stringMatching(/^[a-z0-9-]{1,32}$/),
      ),
      region: fc.oneof(fc.constantFrom('fuzz', 'eu'), fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,31}$/)),
    });
  });
  afterAll(async () => {
    agent.destroy();
    await t?.close();
  });

  const concretePath = (path: string) => path.replace(/\{id\}/g, () => ids[path.split('/')[2]!] ?? '1');

  /** The token a route needs. Logout spends its session, so that route gets a fresh one when needed. */
  async function tokenFor(route: RouteDefinition): Promise<string | undefined> {
    if (route.auth === 'none') return undefined;
    if (route.auth === 'node') return nodeAccess;
    if (route.auth !== 'any') return adminToken;
    if (!route.path.endsWith('/logout')) return totpSession;
    logoutSession ??= (await login(t.url, 'fuzz-logout', FUZZ_PASSWORD)).access_token;
    return logoutSession;
  }

  /** A client address per request (TRUST_PROXY=loopback): per-IP limits see many clients, as in production. */
  const clientAddress = fc.ipV4();

  for (const route of routeTable.filter((candidate) => candidate.request?.body)) {
    const name = `${route.method.toUpperCase()} ${route.path}`;
    it(
      `${name}: ${HTTP_RUNS} requests`,
      async () => {
        const operation = document.paths[route.path]![route.method]!;
        const runs = await fuzz(
          name,
          fc.asyncProperty(requestCases(route, fields), clientAddress, async (request, address) => {
            const token = await tokenFor(route);
            const headers: Record<string, string> = { 'x-forwarded-for': address };
            if (token) headers.authorization = `Bearer ${token}`;
            if (request.contentType !== null) headers['content-type'] = request.contentType;
            if (request.contentEncoding !== null) headers['content-encoding'] = request.contentEncoding;
            const answer = await send(
              t.url + concretePath(route.path),
              route.method.toUpperCase(),
              headers,
              payloadOf(request.body),
            );
            if (route.path.endsWith('/logout') && answer.status === 204) logoutSession = undefined;
            expectDocumented(operation, answer);
          }),
          HTTP_RUNS,
        );
        expect(runs).toBe(HTTP_RUNS);
      },
      FUZZ_TIMEOUT_MS,
    );
  }

  // The contract's rule for every route: a malformed path escape is a 400, an unknown id a 404.
  const PATH_RULES: Record<number, string[]> = { 400: ['invalid_request'], 404: ['not_found'] };
  /** Node's HTTP parser refuses a request line and headers over 16 KiB with 431 before any route runs. */
  const tooLong = (answer: Answer) =>
    answer.status === 431 && answer.text.includes('"code":"headers_too_large"');
  const byName = (routes: readonly RouteDefinition[]) => {
    const named = new Map(routes.map((route) => [`${route.method.toUpperCase()} ${route.path}`, route]));
    return { names: fc.constantFrom(...named.keys()), route: (name: string) => named.get(name)! };
  };

  it(
    `query strings of every list route: ${QUERY_RUNS} requests`,
    async () => {
      const routes = byName(routeTable.filter((route) => route.request?.query));
      const value = fc.oneof(
        hostileString.map(percentEncode),
        fc.constantFrom(
          '%00',
          '%ZZ',
          '%',
          '%E0%A4%A',
          '%ED%A0%80',
          '%C0%AF',
          '1e400',
          '-1',
          '0',
          '501',
          '1.5',
          '',
          '%20',
          '+',
          'a&b',
          'x'.repeat(5000),
        ),
      );
      const key = fc.oneof(
        fc.constantFrom(
          'limit',
          'cursor',
          'type',
          'since',
          'region',
          'online',
          'limit[]',
          'limit[a]',
          '__proto__',
          'constructor',
        ),
        hostileString.map(percentEncode),
      );
      const runs = await fuzz(
        'query strings',
        fc.asyncProperty(
          routes.names,
          fc.array(fc.tuple(key, value), { maxLength: 5 }),
          async (name, pairs) => {
            const route = routes.route(name);
            const query = pairs.map(([field, item]) => `${field}=${item}`).join('&');
            const answer = await send(`${t.url}${concretePath(route.path)}?${query}`, 'GET', {
              authorization: `Bearer ${adminToken}`,
            });
            if (!tooLong(answer))
              expectDocumented(document.paths[route.path]![route.method]!, answer, PATH_RULES);
          },
        ),
        QUERY_RUNS,
      );
      expect(runs).toBe(QUERY_RUNS);
    },
    FUZZ_TIMEOUT_MS,
  );

  it(
    `path ids of every route that takes one: ${QUERY_RUNS} requests`,
    async () => {
      // Deletes last: a fuzz case that deletes the fixtures would turn the rest into 404s.
      const routes = byName(routeTable.filter((route) => route.request?.params && route.method !== 'delete'));
      const segment = fc.oneof(
        hostileString.map(percentEncode),
        fc.constantFrom(
          '%ZZ',
          '%',
          '%E0%A4%A',
          '%00',
          '..',
          '%2e%2e',
          '%2F',
          '0',
          '-1',
          '1e3',
          '9007199254740993',
          '99999999999999999999',
          ' 1',
          '%201',
          '1.0',
          'NaN',
          '00000000-0000-0000-0000-000000000000',
          'x'.repeat(5000),
        ),
      );
      const runs = await fuzz(
        'path ids',
        fc.asyncProperty(routes.names, segment, async (name, id) => {
          const route = routes.route(name);
          const path = route.path.replace(/\{\w+\}/g, id);
          const answer = await send(
            t.url + path,
            route.method.toUpperCase(),
            {
              authorization: `Bearer ${route.auth === 'node' ? nodeAccess : adminToken}`,
              ...(route.request?.body ? { 'content-type': 'application/json' } : {}),
            },
            route.request?.body ? Buffer.from('{}') : undefined,
          );
          if (!tooLong(answer))
            expectDocumented(document.paths[route.path]![route.method]!, answer, PATH_RULES);
        }),
        QUERY_RUNS,
      );
      expect(runs).toBe(QUERY_RUNS);
    },
    FUZZ_TIMEOUT_MS,
  );
});
