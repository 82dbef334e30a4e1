import { Writable } from 'node:stream';
import type { RunningGateway } from '@wirefleet/gateway-service';
import { createLogger } from '@wirefleet/shared/logging';
import { type ClientFrame, clientFrame, DEFAULT_MAX_FRAME_BYTES } from '@wirefleet/shared/protocol';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { z } from 'zod';
import { call, login, startTestAuthApi, type TestAuthApi, TEST_ISSUER } from '../support/auth-api.js';
import { createEnrollmentKey, enrollNode } from '../support/fleet.js';
import { createTokenFactory, forgedTokens, type TokenFactory } from '../support/forged-tokens.js';
import { FUZZ_RUNS, FUZZ_TIMEOUT_MS, fuzz } from '../support/fuzz.js';
import { type FramePayload, framePayloads } from '../support/hostile-input.js';
import { startTestGateway } from '../support/gateway.js';

/**
 * FUZZ_RUNS (≥ 10,000) hostile frames over real WebSockets to a real gateway on Redis: valid
 * and near-valid frames of every type, garbage text, binary frames, invalid UTF-8, frames over
 * the size limits. Each case is answered by a documented frame or closed with a documented code
 * (CONTRACT §5, docs/gateway.md); afterwards the gateway holds no connection or room of the
 * run, serves a fresh client, and its process grew by a bounded amount.
 */

/** docs/gateway.md: frames over GATEWAY_MAX_PAYLOAD close with 4000; uWS's own hard limit is twice that. */
const MAX_PAYLOAD = DEFAULT_MAX_FRAME_BYTES;
const UWS_HARD_LIMIT = 2 * MAX_PAYLOAD;
/** Generous: the run holds ~10,000 frames of up to 400 KiB in flight, one at a time. */
const RSS_GROWTH_LIMIT = 256 * 1024 * 1024;

/** Every frame the gateway may send (docs/gateway.md); `internal_error` means a handler threw, which hostile input must never cause. */
const serverFrame = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('welcome'),
    conn_id: z.string(),
    sub: z.string(),
    rooms: z.array(z.string()),
    expires_at: z.number(),
  }),
  z.strictObject({
    type: z.literal('subscribed'),
    room: z.string(),
    offset: z.string(),
    recovered: z.boolean(),
    id: z.string().optional(),
  }),
  z.strictObject({ type: z.literal('unsubscribed'), room: z.string(), id: z.string().optional() }),
  z.strictObject({
    type: z.literal('published'),
    room: z.string(),
    offset: z.string(),
    id: z.string().optional(),
  }),
  z.strictObject({ type: z.literal('refreshed'), expires_at: z.number(), id: z.string().optional() }),
  z.strictObject({
    type: z.literal('event'),
    room: z.string(),
    event: z.string(),
    data: z.unknown(),
    offset: z.string(),
    ts: z.number(),
  }),
  z.strictObject({
    type: z.literal('error'),
    code: z.enum(['bad_request', 'forbidden', 'unauthorized', 'rate_limited']),
    message: z.string(),
    id: z.string().optional(),
  }),
  z.strictObject({ type: z.literal('pong'), id: z.string().optional() }),
]);
type Answer = z.infer<typeof serverFrame>;

/** What the gateway must do with a payload, told from the payload and the contract's frame schema alone. */
type Expectation =
  /** RFC 6455 says fail the connection (invalid UTF-8 in a text frame); uWS does, and so past its hard limit. */
  | { kind: 'dropped' }
  /** Binary, or over GATEWAY_MAX_PAYLOAD: close 4000. */
  | { kind: 'violation' }
  /** Not a frame: `error bad_request`, echoing a string id; 4000 once bad frames pile up. */
  | { kind: 'malformed'; id: string | undefined }
  | { kind: 'frame'; frame: ClientFrame };

function expectationOf(payload: FramePayload): Expectation {
  if (payload.kind === 'invalid-utf8') return { kind: 'dropped' };
  const bytes = payload.kind === 'binary' ? payload.bytes.length : Buffer.byteLength(payload.text);
  if (bytes > UWS_HARD_LIMIT) return { kind: 'dropped' };
  if (payload.kind === 'binary' || bytes > MAX_PAYLOAD) return { kind: 'violation' };
  // What travels is UTF-8: a lone surrogate in the string arrives as U+FFFD.
  const text = Buffer.from(payload.text).toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { kind: 'malformed', id: undefined };
  }
  const parsed = clientFrame.safeParse(json);
  if (parsed.success) return { kind: 'frame', frame: parsed.data };
  const id = typeof json === 'object' && json !== null ? (json as { id?: unknown }).id : undefined;
  return { kind: 'malformed', id: typeof id === 'string' && id.length <= 64 ? id : undefined };
}

/** Whether the answer to a valid frame may come after a `ping` sent behind it (it waits on Redis or the verifier). */
function answeredLater(frame: ClientFrame): boolean {
  return (
    frame.type === 'subscribe' ||
    frame.type === 'refresh' ||
    (frame.type === 'publish' && frame.id !== undefined)
  );
}

/** Describes what is wrong with the answers to one case, or returns undefined. */
function judge(
  expected: Expectation,
  answers: Answer[],
  closed: { code: number } | undefined,
): string | undefined {
  if (closed) {
    const allowed = expected.kind === 'dropped' ? [1002, 1006, 1007, 1009, 4000] : [4000, 4008];
    if (!allowed.includes(closed.code))
      return `closed with ${closed.code}, expected one of ${allowed.join(', ')}`;
    return answers.length > 1 ? 'more than one answer before the close' : undefined;
  }
  if (expected.kind === 'dropped' || expected.kind === 'violation') return 'the connection stayed open';
  const [answer, ...more] = answers;
  if (more.length > 0) return 'more than one answer';
  const id = expected.kind === 'malformed' ? expected.id : expected.frame.id;
  if (answer && answer.type !== 'welcome' && answer.type !== 'event' && answer.id !== id)
    return `answer id ${answer.id} for ${id}`;
  const is = (type: Answer['type'], codes?: string[]) =>
    answer?.type === type && (!codes || (answer.type === 'error' && codes.includes(answer.code)));
  if (expected.kind === 'malformed')
    return is('error', ['bad_request']) ? undefined : 'a malformed frame was not answered bad_request';
  const { frame } = expected;
  const ok = (() => {
    switch (frame.type) {
      case 'ping':
        return is('pong');
      case 'unsubscribe':
        return is('unsubscribed') && answer?.type === 'unsubscribed' && answer.room === frame.room;
      case 'subscribe':
        return (
          (is('subscribed') && answer?.type === 'subscribed' && answer.room === frame.room) ||
          is('error', ['forbidden', 'rate_limited'])
        );
      case 'publish':
        return answer === undefined
          ? frame.id === undefined
          : is('published') || is('error', ['forbidden', 'bad_request']);
      case 'refresh':
        return is('refreshed') || is('error', ['unauthorized', 'forbidden']);
    }
  })();
  return ok ? undefined : `${frame.type} answered ${JSON.stringify(answer) ?? 'nothing'}`;
}

/** A client socket that keeps every frame it receives and how it closed. */
class FuzzSocket {
  readonly frames: unknown[] = [];
  closed: { code: number; reason: string } | undefined;
  private readonly wakers = new Set<() => void>();

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      const text = (data as Buffer).toString('utf8');
      let frame: unknown;
      try {
        frame = isBinary ? { binary: text } : JSON.parse(text);
      } catch {
        frame = { unparsable: text };
      }
      this.frames.push(frame);
      this.wake();
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.wake();
    });
    // A failed connection also emits `close`, whose code the case checks.
    ws.on('error', () => undefined);
  }

  static open(url: string, token: string): Promise<FuzzSocket> {
    const socket = new FuzzSocket(new WebSocket(url, ['bearer', token]));
    return new Promise((resolve, reject) => {
      socket.ws.once('unexpected-response', (_req, res) =>
        reject(new Error(`upgrade refused: ${res.statusCode}`)),
      );
      socket
        .until(
          () => socket.frames.length > 0,
          () => 'no welcome',
        )
        .then(
          () =>
            (socket.frames[0] as { type?: string }).type === 'welcome'
              ? resolve(socket)
              : reject(new Error(`first frame ${JSON.stringify(socket.frames[0])}`)),
          reject,
        );
    });
  }

  private wake(): void {
    for (const waker of [...this.wakers]) waker();
  }

  /** Resolves once `done()` holds (checked on every frame and on close); a hang fails with `what()`. */
  until(done: () => boolean, what: () => string, timeoutMs = 10_000): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.closed === undefined && !done()) return;
        if (!done() && this.closed) return finish(new Error(`${what()} (closed with ${this.closed.code})`));
        finish();
      };
      const timer = setTimeout(
        () => finish(new Error(`${what()} (no answer in ${timeoutMs} ms)`)),
        timeoutMs,
      );
      const finish = (error?: Error) => {
        clearTimeout(timer);
        this.wakers.delete(check);
        if (error) reject(error);
        else resolve();
      };
      this.wakers.add(check);
    });
  }

  send(payload: FramePayload): void {
    const ignore = () => undefined;
    if (payload.kind === 'text') this.ws.send(payload.text, ignore);
    else this.ws.send(payload.bytes, { binary: payload.kind === 'binary' }, ignore);
  }
}

const ROLES = ['admin', 'operator', 'viewer', 'node'] as const;
type Role = (typeof ROLES)[number];

describe('hostile frames over real WebSockets: documented answers and close codes only', () => {
  let auth: TestAuthApi;
  let running: RunningGateway;
  let tokens: TokenFactory;
  const gatewayLog: string[] = [];
  const identities = {} as Record<Role, { sub: string; role: 'admin' | 'operator' | 'viewer' | 'node' }>;
  const sockets = new Map<Role, FuzzSocket>();

  beforeAll(async () => {
    auth = await startTestAuthApi();
    running = await startTestGateway({
      authUrl: auth.url,
      issuer: TEST_ISSUER,
      redisUrl: auth.redis!.url,
      redisPrefix: auth.redis!.prefix,
      // Cases go one at a time, each behind a ping: the frame rate would trip 4008 long before the run ends.
      env: { GATEWAY_RATE_LIMIT_PER_SECOND: '1000000', GATEWAY_RATE_LIMIT_BURST: '1000000' },
      overrides: {
        logger: createLogger({
          service: 'gateway',
          level: 'warn',
          destination: new Writable({
            write(chunk, _encoding, done) {
              gatewayLog.push(...chunk.toString().split('\n').filter(Boolean));
              done();
            },
          }),
        }),
      },
    });
    tokens = createTokenFactory({ issuer: TEST_ISSUER, key: auth.api.context.keyring.signingKey() });
    const admin = (await login(auth.url)).access_token;
    const viewer = await call<{ id: number }>(auth.url, 'POST', '/v1/users', {
      token: admin,
      body: { username: 'fuzz-viewer', password: 'fuzz-password-0123', role: 'viewer' },
    });
    const key = await createEnrollmentKey(auth.url, admin);
    const node = await enrollNode(auth.url, key.key);
    identities.admin = { sub: 'user:1', role: 'admin' };
    identities.operator = { sub: 'user:77', role: 'operator' };
    identities.viewer = { sub: `user:${viewer.body.id}`, role: 'viewer' };
    identities.node = { sub: `node:${node.node_id}`, role: 'node' };
  });
  afterAll(async () => {
    for (const socket of sockets.values()) socket.ws.terminate();
    await running?.close();
    await auth?.close();
  });

  const tokenFor = (role: Role) => tokens.sign(identities[role]);

  async function socketFor(role: Role): Promise<FuzzSocket> {
    const open = sockets.get(role);
    if (open && !open.closed) return open;
    const socket = await FuzzSocket.open(running.url, tokenFor(role));
    sockets.set(role, socket);
    return socket;
  }

  let sentinel = 0;
  async function runCase(role: Role, socket: FuzzSocket, payload: FramePayload): Promise<void> {
    const from = socket.frames.length;
    const expected = expectationOf(payload);
    sentinel += 1;
    const ping = `~fuzz-${sentinel}`;
    socket.send(payload);
    socket.send({ kind: 'text', text: JSON.stringify({ type: 'ping', id: ping }) });
    const received = () => socket.frames.slice(from);
    const isSentinel = (frame: unknown) => (frame as { id?: unknown }).id === ping;
    const answers = () =>
      received().filter((frame) => !isSentinel(frame) && (frame as { type?: unknown }).type !== 'event');
    const later = expected.kind === 'frame' && answeredLater(expected.frame);
    await socket.until(
      () => socket.closed !== undefined || (received().some(isSentinel) && (!later || answers().length > 0)),
      () =>
        `${role}: no answer to ${JSON.stringify(payload).slice(0, 300)}; received ${JSON.stringify(received()).slice(0, 300)}`,
    );
    const undocumented = received().filter((frame) => !serverFrame.safeParse(frame).success);
    expect(undocumented, `undocumented frames: ${JSON.stringify(undocumented).slice(0, 300)}`).toEqual([]);
    const problem = judge(expected, answers() as Answer[], socket.closed);
    expect(problem, `${role}: ${JSON.stringify(received()).slice(0, 500)}`).toBeUndefined();
  }

  it(
    `${FUZZ_RUNS} frames, each answered as documented`,
    async () => {
      const rooms = ['fleet', ...ROLES.map((role) => identities[role].sub), 'node:999999', 'user:424242'];
      const refreshTokens = [
        // Same subject (refreshed), another subject (forbidden), forged (unauthorized), in about equal parts.
        ...ROLES.flatMap((role) => [tokenFor(role), tokenFor(role)]),
        ...ROLES.map((role) =>
          tokens.sign({ ...identities[role], sub: identities[role].sub.replace(/\d+$/, '4242') }),
        ),
        ...forgedTokens(tokens)
          .slice(0, 8)
          .map((forged) => forged.token),
      ];
      const payloads = Object.fromEntries(
        ROLES.map((role) => [
          role,
          framePayloads({ rooms, tokens: refreshTokens, ownRoom: identities[role].sub }),
        ]),
      ) as Record<Role, fc.Arbitrary<FramePayload>>;
      // Warm up, so the baseline includes the gateway's and client's steady-state allocations.
      for (const role of ROLES) await socketFor(role);
      const rssBefore = process.memoryUsage().rss;

      const runs = await fuzz(
        'gateway frames',
        fc.asyncProperty(
          // Nodes twice as often: only they publish, and publishing reaches furthest (Redis, ingest, Postgres).
          fc
            .constantFrom<Role>('node', ...ROLES)
            .chain((role) => fc.tuple(fc.constant(role), payloads[role])),
          async ([role, payload]) => {
            const socket = await socketFor(role);
            try {
              await runCase(role, socket, payload);
            } catch (error) {
              // A failed case may leave answers in flight: the next case (or shrink step) starts on a fresh socket.
              socket.ws.terminate();
              sockets.delete(role);
              throw error;
            }
          },
        ),
      );
      expect(runs).toBe(FUZZ_RUNS);

      // Nothing of the run stays behind: no connection, no room, no subscription.
      for (const socket of sockets.values()) socket.ws.close();
      const { gateway } = running;
      await new Promise<void>((resolve, reject) => {
        const deadline = Date.now() + 10_000;
        const poll = setInterval(() => {
          if (gateway.registry.size === 0 && gateway.hub.roomCount === 0) {
            clearInterval(poll);
            resolve();
          } else if (Date.now() > deadline) {
            clearInterval(poll);
            reject(
              new Error(`left behind: ${gateway.registry.size} connections, ${gateway.hub.roomCount} rooms`),
            );
          }
        }, 50);
      });
      sockets.clear();

      // A fresh client is served as usual.
      const fresh = await socketFor('viewer');
      fresh.send({ kind: 'text', text: JSON.stringify({ type: 'subscribe', room: 'fleet', id: 'after' }) });
      await fresh.until(
        () => fresh.frames.some((frame) => (frame as { id?: unknown }).id === 'after'),
        () => 'no answer after the run',
      );
      expect(fresh.frames.at(-1)).toMatchObject({ type: 'subscribed', room: 'fleet', id: 'after' });

      expect(process.memoryUsage().rss - rssBefore).toBeLessThan(RSS_GROWTH_LIMIT);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      // A handler that threw logs at error; hostile input must never get that far.
      expect(gatewayLog.filter((line) => /"level":(50|60|"error"|"fatal")/.test(line))).toEqual([]);
      expect(auth.logLines.filter((line) => /"level":(50|60|"error"|"fatal")/.test(line))).toEqual([]);
    },
    FUZZ_TIMEOUT_MS,
  );
});
