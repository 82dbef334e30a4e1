/**
 * The floor of the gateway's architecture, run as a child process by the gateway benchmarks:
 * a bare uWebSockets.js server that SUBSCRIBEs one Redis channel with ioredis and relays each
 * message into one uWS topic with `app.publish`. No auth, no rooms bookkeeping, no parsing.
 *
 * Env: BENCH_PORT, REDIS_URL, RELAY_CHANNEL, RELAY_TOPIC, RELAY_MODE:
 * - `direct`: `app.publish` inside ioredis's 'message' callback (what the gateway does);
 * - `immediate`: messages are queued and published together from one `setImmediate`;
 * - `send`: no topic: the relay loops over its sockets in JS and calls `ws.send` on each
 *   (what a server without uWS pub/sub would do) — a diagnostic, not a baseline.
 */
import { createRequire } from 'node:module';
import { Redis } from 'ioredis';
import type * as Uws from 'uWebSockets.js';

const require = createRequire(import.meta.url);
const uws = require('uWebSockets.js') as typeof Uws;

const port = Number(process.env.BENCH_PORT);
const channel = process.env.RELAY_CHANNEL ?? 'bench:relay';
const topic = process.env.RELAY_TOPIC ?? 'node:42';
const mode = process.env.RELAY_MODE ?? 'direct';
// The gateway's limits (GATEWAY_MAX_BACKPRESSURE × 4, no drop), so neither side skips slow readers.
const maxBackpressure = 4 * 1024 * 1024;

const sockets = new Set<Uws.WebSocket<unknown>>();
const app = uws.App();
app.ws('/*', {
  maxBackpressure,
  closeOnBackpressureLimit: 0,
  idleTimeout: 120,
  sendPingsAutomatically: true,
  open: (ws) => {
    if (mode === 'send') sockets.add(ws);
    else ws.subscribe(topic);
  },
  close: (ws) => {
    sockets.delete(ws);
  },
});
app.get('/healthz', (res) => {
  res.end('ok');
});

const queue: string[] = [];
const flush = () => {
  for (const message of queue) app.publish(topic, message, false);
  queue.length = 0;
};
const relay: Record<string, (message: string) => void> = {
  direct: (message) => {
    app.publish(topic, message, false);
  },
  immediate: (message) => {
    if (queue.push(message) === 1) setImmediate(flush);
  },
  send: (message) => {
    for (const ws of sockets) ws.cork(() => ws.send(message, false));
  },
};
const onMessage = relay[mode];
if (!onMessage) throw new Error(`unknown RELAY_MODE ${mode}`);

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { enableReadyCheck: false });
redis.on('message', (_channel: string, message: string) => onMessage(message));
await redis.subscribe(channel);

app.listen('127.0.0.1', port, (listenSocket) => {
  if (!listenSocket) {
    process.stderr.write(`relay could not listen on ${port}\n`);
    process.exit(1);
  }
});
process.once('SIGTERM', () => process.exit(0));
