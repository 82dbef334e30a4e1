import type { BenchContext, BenchResult, BenchSuite } from '../types.js';
import { createGatewayBenchEnv } from './gateway/bench-env.js';
import { measureFanoutSuite } from './gateway/fanout-results.js';
import { measureIdleConnections } from './gateway/idle.js';
import { measureTwoGatewayLatency } from './gateway/latency.js';

export const suite: BenchSuite = {
  name: 'gateway',
  title: 'gateway-service: fan-out CPU, latency through Redis, idle connections',
  description: [
    'Every server is its own child process on the real Redis (a key prefix of this run): the gateway runs',
    'its build, `node gateway-service/dist/main.js` (run.ts builds first; the notes name the entry), with a',
    'JWKS file written from a key made for the run (AUTH_JWKS_FILE, no auth-api) and one viewer token per',
    'client, each a user of its own; the **bare uWS relay**',
    '(test/bench/support/gateway-uws-relay.ts) SUBSCRIBEs one Redis channel with ioredis and calls',
    '`app.publish` into one uWS topic for each message; **Socket.IO 4** (gateway-socketio-server.ts) uses',
    '`@socket.io/redis-adapter`, events emitted with `io.to(room).emit` by a second Socket.IO instance in',
    'the bench process. Clients are raw WebSocket clients (test/bench/support/gateway-ws-wire.ts) in one',
    'worker process per core (2 to 4), bound to 127.0.0.2–9. Messages are ~190-byte events published at a paced rate.',
    "**Fan-out**: all subscribers in one room; after a warm-up, the server's CPU time (utime + stime from",
    '/proc/<pid>/stat) over a 5 s window ÷ the event frames the clients counted in that window. In this',
    'mode clients read in bursts every 50 ms (bytes wait in the kernel) so that the generator stays',
    'cheap. Gateway and relay alternate for two rounds and each keeps its lower figure; the notes give',
    'every round, the user/system split, how much of what was published arrived in the window, and',
    'the cores used by server, clients and the rest of the machine (softirq is loopback TCP, charged to',
    'no process). **Latency**: two servers on one Redis, clients split over both reading at once; the',
    'publisher puts CLOCK_MONOTONIC µs in each event and each client subtracts it on arrival.',
    '**Idle connections**: N clients opened as fast as the server takes them (64 in flight per worker;',
    'a client counts once it has its 101 and greeting — `welcome` for the gateway); RSS growth ÷ N, read',
    'twice: right after the burst (after a full GC; servers run with --expose-gc and collect on SIGUSR2),',
    'and settled — at least 40 s later, once RSS stopped moving: V8\'s memory reducer shrinks the young',
    'generation and compacts old space on its own 25–35 s after a burst. The settled figure is what an',
    'idle fleet holds; the burst figure includes up to 32 MiB of young generation, a fixed cost of the',
    'burst, not of each connection.',
  ].join(' '),
  async run(ctx: BenchContext): Promise<BenchResult[]> {
    const env = await createGatewayBenchEnv();
    try {
      const results: BenchResult[] = [];
      results.push(...(await measureFanoutSuite(ctx, env)));
      results.push(...(await measureTwoGatewayLatency(ctx, env)));
      results.push(...(await measureIdleConnections(ctx, env)));
      return results;
    } finally {
      await env.close();
    }
  },
};
