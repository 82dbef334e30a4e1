/**
 * One load-generator process of the gateway benchmarks (started by gateway-clients.ts with an
 * IPC channel, and with `ulimit -n` raised where allowed). It opens WebSocket clients on command, keeps them
 * answering pings, and counts (or times) what they receive. It exits when its parent goes away.
 */
import type { WorkerCommand, WorkerReply, WorkerTarget } from './gateway-client-protocol.js';
import { FrameReader, HandshakeRefused, OPCODE, RawSocket } from './gateway-ws-wire.js';

/** In count mode the sockets are read in bursts this far apart (see `drainLoop`). */
const DRAIN_EVERY_MS = 50;
/** Event frames are ~200 bytes; welcome, subscribed and Socket.IO pings are shorter or come first. */
const MIN_EVENT_BYTES = 16;
/** Safety net: whatever the parent does, this process does not outlive a bench run. */
const MAX_LIFETIME_MS = 10 * 60_000;

const sockets: RawSocket[] = [];
let frames = 0;
let closed = 0;
let latencies: number[] = [];
let drainTimer: NodeJS.Timeout | undefined;

function nowMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** The publisher's stamp: `"t":<µs of the monotonic clock>` inside the event's data. */
function stampOf(buffer: Buffer, start: number, end: number): number | undefined {
  const at = buffer.indexOf('"t":', start);
  if (at < 0 || at >= end) return undefined;
  let value = 0;
  for (let i = at + 4; i < end; i += 1) {
    const digit = buffer[i]! - 48;
    if (digit < 0 || digit > 9) break;
    value = value * 10 + digit;
  }
  return value;
}

function waitFor(reader: { next: (match: (text: string) => boolean) => Promise<string> }, match: string) {
  return reader.next((text) => text.includes(match));
}

/** Opens one client and walks it through the protocol's greeting until it receives events. */
async function openOne(
  target: WorkerTarget,
  token: string | undefined,
  source: { localAddress: string; localPort: number } | undefined,
  mode: string,
) {
  const { raw, head } = await RawSocket.open({
    host: target.host,
    port: target.port,
    path: target.path,
    ...source,
    ...(token ? { protocols: ['bearer', token] } : {}),
  });
  const waiters: Array<{ match: (text: string) => boolean; resolve: (text: string) => void }> = [];
  let greeted = target.protocol === 'uws';
  const reader = new FrameReader((opcode, buffer, start, end) => {
    if (opcode === OPCODE.ping) return raw.send(OPCODE.pong, Buffer.from(buffer.subarray(start, end)));
    if (opcode !== OPCODE.text) return;
    // Engine.IO's heartbeat is the text "2", answered with "3".
    if (target.protocol === 'socketio' && end - start === 1 && buffer[start] === 0x32)
      return raw.send(OPCODE.text, '3');
    if (!greeted) {
      const text = buffer.toString('utf8', start, end);
      const index = waiters.findIndex((waiter) => waiter.match(text));
      if (index >= 0) waiters.splice(index, 1)[0]!.resolve(text);
      return;
    }
    if (end - start < MIN_EVENT_BYTES) return;
    frames += 1;
    if (mode === 'latency') {
      const stamp = stampOf(buffer, start, end);
      if (stamp !== undefined) latencies.push(nowMicros() - stamp);
    }
  });
  const next = (match: (text: string) => boolean) =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out waiting for the greeting')), 20_000);
      waiters.push({
        match,
        resolve: (text) => {
          clearTimeout(timer);
          resolve(text);
        },
      });
    });
  raw.onData = (chunk) => reader.push(chunk);
  raw.onClose = () => {
    closed += 1;
  };
  const welcome = target.protocol === 'wirefleet' ? waitFor({ next }, '"welcome"') : undefined;
  const opened = target.protocol === 'socketio' ? waitFor({ next }, '"sid"') : undefined;
  if (head.length > 0) reader.push(head);
  if (target.protocol === 'wirefleet') {
    await welcome;
    if (target.room) {
      const subscribed = waitFor({ next }, '"subscribed"');
      raw.send(OPCODE.text, JSON.stringify({ type: 'subscribe', room: target.room }));
      await subscribed;
    }
  } else if (target.protocol === 'socketio') {
    await opened;
    const connected = next((text) => text.startsWith('40'));
    raw.send(OPCODE.text, '40');
    await connected;
  }
  greeted = true;
  sockets.push(raw);
}

async function openAll(command: Extract<WorkerCommand, { type: 'open' }>): Promise<WorkerReply> {
  const refused: Record<string, number> = {};
  const errors: string[] = [];
  const startedAt = nowMicros();
  const openBefore = sockets.length;
  let lastOpenAt = startedAt;
  let nextIndex = 0;
  const worker = async () => {
    while (nextIndex < command.count) {
      const index = nextIndex;
      nextIndex += 1;
      const { addresses, first, portBase } = command.source;
      const global = first + index;
      const source =
        addresses.length === 0
          ? undefined
          : {
              localAddress: addresses[global % addresses.length]!,
              localPort: portBase + Math.floor(global / addresses.length),
            };
      try {
        await openOne(command.target, command.tokens?.[index], source, command.mode);
        lastOpenAt = nowMicros();
      } catch (error) {
        const key = error instanceof HandshakeRefused ? String(error.status) : 'error';
        refused[key] = (refused[key] ?? 0) + 1;
        if (errors.length < 3) errors.push(error instanceof Error ? error.message : String(error));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(command.concurrency, command.count) }, worker));
  if (command.mode === 'count') drainLoop();
  return {
    type: 'opened',
    id: command.id,
    open: sockets.length - openBefore,
    refused,
    errors,
    startedAt,
    lastOpenAt,
  };
}

/**
 * Count mode reads in bursts: every socket is paused, and every DRAIN_EVERY_MS all are resumed
 * for one turn of the event loop, so each socket costs ~50 large reads a second however many
 * messages it receives. The kernel buffers hold the bytes meanwhile (a few KiB per socket).
 */
function drainLoop(): void {
  for (const socket of sockets) socket.pause();
  drainTimer = setInterval(() => {
    for (const socket of sockets) socket.resume();
    setImmediate(() => {
      for (const socket of sockets) socket.pause();
    });
  }, DRAIN_EVERY_MS);
}

function reply(message: WorkerReply): void {
  process.send?.(message);
}

process.on('message', (message: WorkerCommand) => {
  if (message.type === 'open') {
    openAll(message).then(reply, (error: unknown) =>
      reply({
        type: 'failed',
        id: message.id,
        error: error instanceof Error ? error.message : String(error),
      }),
    );
  } else if (message.type === 'snapshot') {
    // In count mode, read what is waiting first, so the count is as of now: resume, let one
    // poll phase run (the second setImmediate comes after it), then pause again.
    for (const socket of sockets) socket.resume();
    setImmediate(() =>
      setImmediate(() => {
        if (drainTimer) for (const socket of sockets) socket.pause();
        const taken = latencies;
        latencies = [];
        reply({ type: 'snapshot', id: message.id, frames, closed, latencies: taken, at: nowMicros() });
      }),
    );
  } else if (message.type === 'reset') {
    // Ready for the next server: drop every client and every count.
    clearInterval(drainTimer);
    drainTimer = undefined;
    for (const socket of sockets) {
      // Not a close by the server: keep it out of the next run's count.
      socket.onClose = () => undefined;
      socket.destroy();
    }
    sockets.length = 0;
    frames = 0;
    closed = 0;
    latencies = [];
    reply({ type: 'closed', id: message.id });
  } else if (message.type === 'close') {
    clearInterval(drainTimer);
    for (const socket of sockets) socket.destroy();
    reply({ type: 'closed', id: message.id });
    setTimeout(() => process.exit(0), 50);
  }
});
process.on('disconnect', () => process.exit(0));
setTimeout(() => process.exit(3), MAX_LIFETIME_MS).unref();
reply({ type: 'ready', id: 0 });
