import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { makeConfig, makePeers, randomKey } from '../../support/agent-fixtures.js';
import type { BenchNetns } from '../../support/agent-netns.js';
import {
  AGENT_BIN,
  AGENT_BUNDLE,
  AGENT_MAIN,
  spawnWatched,
  type WatchedProcess,
  writeAgentDir,
} from '../../support/agent-process.js';
import { readMemory } from '../../support/procfs.js';
import type { BenchResult } from '../../types.js';
import type { AgentBench } from './context.js';
import { type Attribution, startAttribution } from './idle-attribution.js';

const GOAL_MIB = 60;
const IDLE_MS = 5_000;

interface AgentSpec {
  key: string;
  metric: string;
  backend: 'linux' | 'memory';
  /** Peers of the signed config put in state/ (none: an empty state/). */
  peers?: number;
  apiUrl?: string;
  /**
   * `shipped`: the installed command, bin/wirefleet-agent.js, run as the systemd unit runs it
   * (its shebang adds the V8 flags; it runs the bundle). `modules`: `node node-agent/dist/main.js`,
   * the compiled modules one file each and no flags — how the agent ran before it shipped bundled.
   */
  launch: 'shipped' | 'modules';
  notes: string;
}

interface Subject {
  spec: AgentSpec;
  process: WatchedProcess;
  ns?: BenchNetns;
}

function diskOutcome(output: string): string {
  if (output.includes('applied the last verified config from disk')) return 'the config on disk was applied';
  const line = output.split('\n').find((entry) => entry.includes('the config on disk could not be applied'));
  if (!line) return 'nothing on disk to apply';
  let reason = 'see the agent log';
  try {
    reason = (JSON.parse(line) as { err?: { message?: string } }).err?.message ?? reason;
  } catch {
    // A partial line (the output buffer is bounded): keep the generic reason.
  }
  return `the config on disk was NOT applied (${reason})`;
}

/** An API that is up but grants nothing: every request gets 503, so the agent's fetches complete. */
async function refusingApi(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((_request, response) => {
    response.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"unavailable"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function startAgent(bench: AgentBench, spec: AgentSpec, index: number): Promise<Subject> {
  const ns = spec.backend === 'linux' ? await bench.pool.create() : undefined;
  const lastConfig = spec.peers === undefined ? undefined : bench.signer.sign(makeConfig(1, makePeers(spec.peers)));
  const configPath = writeAgentDir({
    dir: path.join(bench.tmp, `agent-${index}`),
    interfaceName: ns?.ifname ?? `wfbmem${index}`,
    backend: spec.backend,
    privateKey: randomKey(),
    ...(spec.apiUrl ? { apiUrl: spec.apiUrl } : {}),
    ...(lastConfig ? { state: { lastConfig, jwks: bench.signer.factory.jwks } } : {}),
  });
  const command =
    spec.launch === 'shipped' ? [AGENT_BIN] : [process.execPath, AGENT_MAIN];
  const args = [...command, 'run', '--config', configPath, '--backend', spec.backend];
  // `ip netns exec` and the shebang's `env` exec the command: the pid we hold is the agent's own.
  const child = ns
    ? spawnWatched('ip', ['netns', 'exec', ns.name, ...args], { LOG_LEVEL: 'info' })
    : spawnWatched(args[0]!, args.slice(1), { LOG_LEVEL: 'info' });
  return { spec, process: child, ...(ns ? { ns } : {}) };
}

function rssOf(child: WatchedProcess): { rss: number; hwm: number } {
  if (!child.alive()) throw new Error(`a measured process exited:\n${child.output().slice(-2000)}`);
  const comm = fs.readFileSync(`/proc/${child.pid}/comm`, 'utf8').trim();
  if (comm !== 'node') throw new Error(`pid ${child.pid} is ${comm}, not node`);
  const memory = readMemory(child.pid);
  return { rss: memory.rssKiB / 1024, hwm: memory.hwmKiB / 1024 };
}

/** Resident memory of the other processes in the namespace (the agent's wireguard-go), MiB. */
async function daemonsMiB(bench: AgentBench, subject: Subject): Promise<number> {
  if (!subject.ns) return 0;
  let total = 0;
  for (const pid of await bench.pool.pids(subject.ns)) {
    if (pid !== subject.process.pid) total += readMemory(pid).rssKiB;
  }
  return total / 1024;
}

/**
 * Real agent processes, offline, started as the agent ships (bin/wirefleet-agent.js: the bundle,
 * with the V8 flags of its shebang): the memory backend with nothing on disk (API at
 * 127.0.0.1:9, and a local API answering 503 so its requests complete), the linux backend in a
 * namespace applying a 1,000-peer signed config from state/. For comparison, the compiled
 * modules without bundle or flags. Beside them a bare Node process with one timer, and the
 * attribution processes. All start together; RSS is read 5 s after every agent says it runs.
 */
export async function measureIdleRss(bench: AgentBench, options: { peers: number }): Promise<BenchResult[]> {
  const { ctx } = bench;
  const api = await refusingApi();
  const subjects: Subject[] = [];
  let bare: WatchedProcess | undefined;
  let attribution: Attribution | undefined;
  try {
    if (!fs.existsSync(AGENT_BUNDLE)) throw new Error(`${AGENT_BUNDLE} is missing: run npm run build`);
    const count = options.peers.toLocaleString('en-US');
    const specs: AgentSpec[] = [
      {
        key: 'memory',
        metric: 'memory backend, nothing on disk, API at 127.0.0.1:9',
        backend: 'memory',
        launch: 'shipped',
        notes: '',
      },
      {
        key: 'api-503',
        metric: 'memory backend, API up but answering 503 (its requests complete)',
        backend: 'memory',
        apiUrl: api.url,
        launch: 'shipped',
        notes: 'Every request (node token, JWKS) gets an answer, so the HTTP client has run.',
      },
      {
        key: 'linux-large',
        metric: `linux backend in a namespace, ${count}-peer config on disk`,
        backend: 'linux',
        peers: options.peers,
        launch: 'shipped',
        notes: 'state/last-config.jws signed with the bench key, its JWKS in state/jwks.json.',
      },
      {
        key: 'modules-503',
        metric: 'memory backend, API answering 503, the compiled modules unbundled and without flags (`node dist/main.js`)',
        backend: 'memory',
        apiUrl: api.url,
        launch: 'modules',
        notes: 'For comparison: what the bundle and the flags save.',
      },
      {
        key: 'modules-linux',
        metric: `linux backend, ${count}-peer config on disk, the compiled modules unbundled and without flags`,
        backend: 'linux',
        peers: options.peers,
        launch: 'modules',
        notes: 'For comparison.',
      },
    ];
    ctx.progress(`idle RSS: ${specs.length} agents, a bare node process, attribution processes`);
    bare = spawnWatched(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
    attribution = startAttribution();
    for (const [index, spec] of specs.entries()) subjects.push(await startAgent(bench, spec, index));
    await Promise.all(subjects.map((subject) => subject.process.waitFor(/"msg":"agent running"/, 30_000)));
    await sleep(IDLE_MS);
    const baseline = rssOf(bare);
    const whereItGoes = attribution.describe();
    const results: BenchResult[] = [];
    for (const subject of subjects) {
      const reading = rssOf(subject.process);
      const daemons = await daemonsMiB(bench, subject);
      const extra = [
        subject.spec.notes,
        daemons > 0 ? `The agent's wireguard-go, a separate process, held ${daemons.toFixed(1)} MiB more.` : '',
        subject.spec.key === 'modules-503' ? whereItGoes : '',
      ].filter(Boolean);
      // The goal is the agent as it ships; the comparison rows have none.
      const shipped = subject.spec.launch === 'shipped';
      results.push({
        metric: `Agent idle RSS, ${subject.spec.metric}`,
        value: reading.rss,
        unit: 'MiB',
        baseline: { label: 'bare `node -e "setInterval(() => {}, 1000)"`', value: baseline.rss },
        ...(shipped ? { goal: `≤ ${GOAL_MIB} MiB`, met: reading.rss <= GOAL_MIB } : {}),
        notes:
          `VmRSS ${IDLE_MS / 1000} s after "agent running"; peak (VmHWM) ${reading.hwm.toFixed(1)} MiB; ` +
          `${diskOutcome(subject.process.output())}. ${extra.join(' ')}`,
      });
    }
    return results;
  } finally {
    await attribution?.stop();
    await bare?.stop();
    for (const subject of subjects) await subject.process.stop().catch(() => undefined);
    for (const subject of subjects) if (subject.ns) await bench.pool.destroy(subject.ns);
    await api.close();
  }
}
