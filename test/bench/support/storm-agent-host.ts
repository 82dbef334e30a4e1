/**
 * The reconnect-storm bench's node agents: the real agent loop (`Agent`, its node-token
 * provider, the shared RealtimeClient on `ws`) on the in-memory dataplane, many in this one
 * child process, as `npm start` runs simulated agents. Started by storm-processes.ts with an
 * IPC channel; it reports when each agent was live again after the gateway was killed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { Agent, MemoryDataplane, StateStore } from '@wirefleet/node-agent';
import { createLogger } from '@wirefleet/shared/logging';
import WebSocket from 'ws';
import { fetchFrom, loopbackAddress } from './storm-bound-fetch.js';
import type { AgentSpec, StormCommand, StormExpectation, StormReply } from './storm-protocol.js';
import { RoomWatch } from './storm-room-watch.js';

const MAX_LIFETIME_MS = 15 * 60_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const agents: Agent[] = [];
const watch = new RoomWatch();
const logged: Record<string, number> = {};
let gaveUp = 0;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wf-bench-storm-agents-'));

/**
 * The agent builds its own client and socket, so the bench watches the frames every `ws`
 * socket of this process receives (all of them are agents') to tell when each agent's node
 * room is subscribed again and replayed. The agent's code is run unchanged.
 */
function probeIncomingFrames(): void {
  const emit = WebSocket.prototype.emit;
  WebSocket.prototype.emit = function (this: WebSocket, event: string | symbol, ...args: unknown[]) {
    if (event === 'message' && args[1] === false) watch.frame(String(args[0]));
    return emit.call(this, event, ...args);
  };
}

/** Warnings and errors the agents log, counted by message; nothing is printed. */
const sink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line) continue;
      const { level, msg, err } = JSON.parse(line) as {
        level: string;
        msg: string;
        err?: { stack?: string };
      };
      // The cause names what failed (e.g. the auth-api's answer); pino puts it in the stack.
      const why = /caused by: (.*)/.exec(err?.stack ?? '')?.[1] ?? '';
      const key = `${level}: ${msg}${why ? ` (${why.slice(0, 120)})` : ''}`;
      logged[key] = (logged[key] ?? 0) + 1;
    }
    done();
  },
});
const logger = createLogger({ service: 'node-agent', level: 'warn', destination: sink });

async function startAgent(
  command: Extract<StormCommand, { type: 'start-agents' }>,
  spec: AgentSpec,
  index: number,
) {
  const agentDir = path.join(dir, String(spec.nodeId));
  fs.mkdirSync(agentDir, { recursive: true });
  const agent = new Agent({
    config: {
      version: 1,
      api_url: command.apiUrl,
      gateway_url: command.gatewayUrl,
      node_id: spec.nodeId,
      name: `bench-${spec.nodeId}`,
      network_cidr: command.networkCidr,
      tunnel_ip: spec.tunnelIp,
      interface: `wfs${spec.nodeId}`,
      listen_port: 51820,
      backend: 'memory',
      wireguard_public_key: spec.publicKey,
      dir: agentDir,
      configPath: path.join(agentDir, 'agent.json'),
    },
    // The memory dataplane never uses the private key; the secret is the seeded node's.
    secrets: { wireguardPrivateKey: spec.publicKey, nodeSecret: spec.secret },
    dataplane: new MemoryDataplane(logger),
    state: new StateStore(agentDir),
    logger,
    // A 500-peer status is ~43 KB and each node room has ~70 viewers: at the default 15 s the
    // fan-out (~100 MB/s) overran the viewer workers, which the gateway then closed as slow
    // consumers (4009) before all had opened. Every 60 s keeps the traffic but not the overrun.
    statusIntervalMs: 60_000,
    fetchImpl: fetchFrom(loopbackAddress(index)),
    onTerminal: () => {
      gaveUp += 1;
    },
  });
  await agent.start();
  agents.push(agent);
}

async function startAll(command: Extract<StormCommand, { type: 'start-agents' }>): Promise<StormReply> {
  watch.follow(command.agents.map((spec) => `node:${spec.nodeId}`));
  // A few at a time, each batch live before the next starts: a fleet coming up does not start
  // in one millisecond, and the start (a token, a signed 500-peer config each) is not measured.
  const deadline = Date.now() + 240_000;
  for (let from = 0; from < command.agents.length; from += 25) {
    await Promise.all(
      command.agents.slice(from, from + 25).map((spec, index) => startAgent(command, spec, from + index)),
    );
    const started = Math.min(from + 25, command.agents.length);
    while (watch.liveCount() < started && Date.now() < deadline) await sleep(100);
  }
  const open = watch.liveCount();
  const report = watch.report();
  return { type: 'opened', id: command.id, open, failures: { ...logged, gaveUp }, errors: report.errors };
}

function reply(message: StormReply): void {
  process.send?.(message);
}

async function closeAll(): Promise<void> {
  await Promise.allSettled(agents.map((agent) => agent.stop()));
  fs.rmSync(dir, { recursive: true, force: true });
}

process.on('message', (message: StormCommand) => {
  const fail = (error: unknown) =>
    reply({
      type: 'failed',
      id: message.id,
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
  switch (message.type) {
    case 'start-agents':
      startAll(message).then(reply, fail);
      return;
    case 'expect':
      // From here on only what the storm makes them log counts.
      for (const key of Object.keys(logged)) delete logged[key];
      watch.expect(message.expectation as StormExpectation);
      return reply({ type: 'ok', id: message.id });
    case 'report':
      return reply({ type: 'report', id: message.id, report: { ...watch.report(), gaveUp, logged } });
    case 'close':
      closeAll().finally(() => {
        reply({ type: 'ok', id: message.id });
        setTimeout(() => process.exit(0), 50);
      });
      return;
    default:
      return fail(new Error(`the agent host does not take ${message.type}`));
  }
});
process.on('disconnect', () => process.exit(0));
setTimeout(() => process.exit(3), MAX_LIFETIME_MS).unref();
probeIncomingFrames();
reply({ type: 'ready', id: 0 });
