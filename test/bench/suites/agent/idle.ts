import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { makeConfig, makePeers, randomKey } from '../../support/agent-fixtures.js';
import { bundleAgent } from '../../support/agent-bundle.js';
import type { BenchNetns } from '../../support/agent-netns.js';
import { AGENT_MAIN, spawnWatched, type WatchedProcess, writeAgentDir } from '../../support/agent-process.js';
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
  /** Default: node-agent/dist/main.js. */
  main?: string;
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
  const args = [spec.main ?? AGENT_MAIN, 'run', '--config', configPath, '--backend', spec.backend];
  // `ip netns exec` execs the command: the pid we hold is the agent's own.
  const child = ns
    ? spawnWatched('ip', ['netns', 'exec', ns.name, process.execPath, ...args], { LOG_LEVEL: 'info' })
    : spawnWatched(process.execPath, args, { LOG_LEVEL: 'info' });
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
 * Real agent processes (`node node-agent/dist/main.js run`), offline: the memory backend with
 * nothing on disk (API at 127.0.0.1:9, or a local API answering 503), the linux backend in a
 * namespace with a signed config in state/ (1,000 peers, and one small enough to verify), and
 * the same agent bundled by esbuild. Beside them a bare Node process with one timer, and the
 * attribution processes. All start together; RSS is read 5 s after every agent says it runs.
 */
export async function measureIdleRss(
  bench: AgentBench,
  options: { peers: number; verifiable: number },
): Promise<BenchResult[]> {
  const { ctx, tmp } = bench;
  const api = await refusingApi();
  const subjects: Subject[] = [];
  let bare: WatchedProcess | undefined;
  let attribution: Attribution | undefined;
  try {
    const bundle = await bundleAgent(tmp);
    const small = Math.min(options.verifiable, options.peers - 1);
    const count = options.peers.toLocaleString('en-US');
    const specs: AgentSpec[] = [
      { key: 'memory', metric: 'memory backend, nothing on disk, API at 127.0.0.1:9', backend: 'memory', notes: '' },
      {
        key: 'linux-large',
        metric: `linux backend in a namespace, ${count}-peer config on disk`,
        backend: 'linux',
        peers: options.peers,
        notes: 'state/last-config.jws signed with the bench key, its JWKS in state/jwks.json.',
      },
      ...(small > 0
        ? [
            {
              key: 'linux-small',
              metric: `linux backend in a namespace, ${small}-peer config on disk (small enough to verify)`,
              backend: 'linux' as const,
              peers: small,
              notes: '',
            },
          ]
        : []),
      {
        key: 'api-503',
        metric: 'memory backend, API up but answering 503 (its fetches complete)',
        backend: 'memory',
        apiUrl: api.url,
        notes: 'Port 9 is on fetch\'s bad-port list, so there fetch() fails before connecting; here it completes.',
      },
      ...(bundle
        ? [
            {
              key: 'bundled',
              metric: 'memory backend, API at 127.0.0.1:9, the same build bundled into one minified file by esbuild',
              backend: 'memory' as const,
              main: bundle,
              notes: 'An experiment for the proposal: same code, one module instead of hundreds.',
            },
            {
              key: 'bundled-503',
              metric: 'memory backend, API answering 503, the esbuild bundle',
              backend: 'memory' as const,
              main: bundle,
              apiUrl: api.url,
              notes: 'The bundle where the API answers: what bundling alone leaves to fetch.',
            },
          ]
        : []),
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
        subject.spec.key === 'memory' ? whereItGoes : '',
      ].filter(Boolean);
      results.push({
        metric: `Agent idle RSS, ${subject.spec.metric}`,
        value: reading.rss,
        unit: 'MiB',
        baseline: { label: 'bare `node -e "setInterval(() => {}, 1000)"`', value: baseline.rss },
        goal: `≤ ${GOAL_MIB} MiB`,
        met: reading.rss <= GOAL_MIB,
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
