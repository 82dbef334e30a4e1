/**
 * The Socket.IO 4 comparison, run as a child process by the gateway benchmarks: a Socket.IO
 * server with `@socket.io/redis-adapter` that puts every connection into one room. Events
 * reach it from another Socket.IO instance on the same Redis (`io.to(room).emit`), as they
 * would in a multi-instance Socket.IO deployment.
 *
 * Env: BENCH_PORT, REDIS_URL, SIO_KEY (the adapter's channel prefix), SIO_ROOM.
 */
import http from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';

const port = Number(process.env.BENCH_PORT);
const room = process.env.SIO_ROOM ?? 'node:42';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const server = http.createServer((req, res) => {
  if (req.url === '/healthz') {
    res.writeHead(200).end('ok');
    return;
  }
  // Anything else not claimed by Socket.IO.
  if (!req.url?.startsWith('/socket.io/')) res.writeHead(404).end();
});
const pub = new Redis(redisUrl);
const sub = pub.duplicate();
// WebSocket only (no long-polling upgrade dance), no compression: the uWS servers do neither.
const io = new Server(server, {
  transports: ['websocket'],
  perMessageDeflate: false,
  adapter: createAdapter(pub, sub, { key: process.env.SIO_KEY ?? 'socket.io' }),
});
io.on('connection', (socket) => {
  socket.join(room);
});
server.listen(port, '127.0.0.1');
process.once('SIGTERM', () => process.exit(0));
