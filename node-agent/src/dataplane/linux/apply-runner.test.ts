import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { UapiSetChanges } from '../render/uapi-request.js';
import type { ApplyPlan, HostStep } from './apply-plan.js';
import { type ApplyRunnerEnv, type HostRecord, runApplyPlan } from './apply-runner.js';
import { FakeHost } from './fake-host.test-suite.js';
import { FakeUapiDaemon } from './fake-uapi.test-suite.js';
import { InterfaceHandle } from './interface-handle.js';
import { OperationQueue } from './operation-queue.js';
import { PeerSet } from './peer-diff.js';
import { UapiError } from './uapi-client.js';

const silent = pino({ level: 'silent' });
const b64 = (n: number) => Buffer.alloc(32, n).toString('base64');
const hex = (n: number) => n.toString(16).padStart(2, '0').repeat(32);
const IF = 'wfrun1';

const ADD_PEER: UapiSetChanges = {
  privateKey: b64(1),
  listenPort: 51820,
  peers: [{ kind: 'add', publicKey: b64(2), allowedIps: ['100.96.0.2/32'], persistentKeepalive: 0 }],
};
const NO_CHANGE: UapiSetChanges = { peers: [] };
const FIREWALL: HostStep = { kind: 'replace-firewall', script: 'table inet wirefleet {}\n' };
/** What a first apply without exit routes plans. */
const FIRST: HostStep[] = [
  { kind: 'establish-link', address: '100.96.0.1/16', routes: ['10.9.0.0/24'] },
  { kind: 'enable-forwarding' },
  FIREWALL,
  { kind: 'sync-exit-routing', routes: [], afterSet: false },
];

function plan(host: HostStep[], set: UapiSetChanges = ADD_PEER): ApplyPlan {
  const diff = { changes: set.peers, added: [], updated: [], removed: [] };
  return { set, diff, host, firewallReplaced: false, model: { peers: new PeerSet([]) } };
}

/** Settles in the next few turns of the event loop, or is still pending: which one. */
async function stateAfterAWhile(promise: Promise<unknown>): Promise<'pending' | 'settled'> {
  let state: 'pending' | 'settled' = 'pending';
  promise.then(
    () => {
      state = 'settled';
    },
    () => {
      state = 'settled';
    },
  );
  await sleep(30);
  return state;
}

describe('runApplyPlan on the fake UAPI', () => {
  let daemon: FakeUapiDaemon;
  let host: FakeHost;
  let queue: OperationQueue;
  let env: ApplyRunnerEnv;
  let record: HostRecord;
  /** How many host commands had started when the request was written, and when the set was answered. */
  let commandsWhen: { written?: number; answered?: number };

  beforeEach(async () => {
    daemon = await FakeUapiDaemon.start(IF);
    host = new FakeHost();
    queue = new OperationQueue();
    commandsWhen = {};
    const link = { interfaceName: IF, run: host.run, logger: silent, uapiDir: daemon.dir };
    const device = new InterfaceHandle(link);
    await device.ensure();
    daemon.requests.length = 0;
    env = {
      link,
      exit: { interfaceName: IF, run: host.run, logger: silent, controlPlaneUrls: [] },
      inNetns: false,
      send: async (changes, onWritten) => {
        const written = () => {
          commandsWhen.written = host.calls.length;
          onWritten();
        };
        await device.send(changes, written);
        commandsWhen.answered = host.calls.length;
      },
      defer: (work) => queue.defer(work),
    };
    record = { routes: new Set(), exitRoutingComplete: true, nftFingerprint: 'before' };
  });
  afterEach(async () => {
    await daemon.stop();
  });

  it('writes the set first, then runs the host steps one at a time while the set is under way', async () => {
    const release = daemon.holdSets();
    const running = runApplyPlan(env, plan(FIRST), record);
    await vi.waitFor(() => expect(host.calls).toContain('nft -f -'));
    expect(commandsWhen.written).toBe(0);
    expect(daemon.requests.filter((r) => r.startsWith('set=1'))).toHaveLength(1);
    // Every host step is done, the set is not: the run waits for it.
    expect(await stateAfterAWhile(running)).toBe('pending');
    release();
    await running;
    expect(commandsWhen.answered).toBe(host.calls.length);
    expect(host.mostAtOnce).toBe(1);
    expect(daemon.peers.has(hex(2))).toBe(true);
    expect(record.routes).toEqual(new Set(['10.9.0.0/24']));
    // The set took longer than the firewall's read-back, which has filled the fingerprint in.
    expect(record.nftFingerprint).toMatch(/^[0-9a-f]{64}$/);
  });

  it('starts a host step only when the one before it has finished', async () => {
    const release = host.hold('ip addr replace');
    const running = runApplyPlan(env, plan(FIRST), record);
    await vi.waitFor(() => expect(host.calls).toContain(`ip addr replace 100.96.0.1/16 dev ${IF}`));
    expect(await stateAfterAWhile(running)).toBe('pending');
    expect(host.calls.filter((call) => /^(sysctl|nft)/.test(call))).toEqual([]);
    release();
    await running;
    expect(host.calls.filter((call) => /^(sysctl|nft -f)/.test(call))).toEqual([
      'sysctl -w net.ipv4.ip_forward=1',
      'nft -f -',
    ]);
  });

  it('makes exit routing wait for the set that marks WireGuard’s packets', async () => {
    const release = daemon.holdSets();
    const exit: HostStep = { kind: 'sync-exit-routing', routes: ['0.0.0.0/0'], afterSet: true };
    const running = runApplyPlan(env, plan([FIREWALL, exit], { fwmark: 22342, peers: [] }), record);
    await vi.waitFor(() => expect(host.calls).toContain('nft -f -'));
    expect(await stateAfterAWhile(running)).toBe('pending');
    expect(host.calls.filter((call) => /^(ip rule|sysctl)/.test(call))).toEqual([]);
    release();
    await running;
    expect(daemon.fwmark).toBe(22342);
    const rules = host.calls.filter((call) => call.startsWith('ip rule add'));
    expect(rules).toHaveLength(2);
    expect(commandsWhen.answered).toBeLessThanOrEqual(host.calls.indexOf(rules[0]!));
  });

  it('runs every host step when the set fails, then fails with the set’s error', async () => {
    daemon.setErrno = 5;
    await expect(runApplyPlan(env, plan(FIRST), record)).rejects.toBeInstanceOf(UapiError);
    expect(host.calls).toContain('sysctl -w net.ipv4.ip_forward=1');
    expect(host.calls).toContain('nft -f -');
    expect(daemon.peers.size).toBe(0);
  });

  it('stops the host steps at the first that fails, and still waits for the set', async () => {
    host.fail = 'sysctl -w net.ipv4.ip_forward';
    const release = daemon.holdSets();
    const running = runApplyPlan(env, plan(FIRST), record);
    await vi.waitFor(() => expect(host.calls).toContain('sysctl -w net.ipv4.ip_forward=1'));
    expect(await stateAfterAWhile(running)).toBe('pending');
    release();
    await expect(running).rejects.toThrow(/injected failure/);
    expect(host.calls).not.toContain('nft -f -');
    expect(daemon.peers.has(hex(2))).toBe(true);
  });

  it('sends a set alone when no host step is planned, and nothing for an empty set', async () => {
    await runApplyPlan(env, plan([]), record);
    expect(daemon.requests).toHaveLength(1);
    expect(host.calls).toEqual([]);
    daemon.requests.length = 0;
    await runApplyPlan(env, plan([FIREWALL], NO_CHANGE), record);
    expect(daemon.requests).toEqual([]);
    expect(host.calls).toEqual(['nft -f -', 'nft -j list table inet wirefleet']);
  });

  it('hands the firewall read-back to the queue: the run resolves first, the next operation after it', async () => {
    const release = host.hold('nft -j list');
    await queue.run(() => runApplyPlan(env, plan([FIREWALL], NO_CHANGE), record));
    expect(record.nftFingerprint).toBe('');
    const next = queue.run(async () => record.nftFingerprint);
    expect(await stateAfterAWhile(next)).toBe('pending');
    release();
    expect(await next).toMatch(/^[0-9a-f]{64}$/);
  });

  it('leaves the fingerprint unknown when the read-back fails, and the queue goes on', async () => {
    host.fail = 'nft -j list';
    await queue.run(() => runApplyPlan(env, plan([FIREWALL], NO_CHANGE), record));
    expect(await queue.run(async () => record.nftFingerprint)).toBe('');
  });

  it('records what only the host can tell: routes, and exit routing left incomplete', async () => {
    const known = new Set(['10.9.0.0/24']);
    await runApplyPlan(
      env,
      plan([{ kind: 'sync-link', address: undefined, routes: ['10.8.0.0/24'], knownRoutes: known }]),
      record,
    );
    expect(record.routes).toEqual(new Set(['10.8.0.0/24']));
    env.exit = { ...env.exit, controlPlaneUrls: ['https://api.invalid'], lookup: async () => [] };
    const exit: HostStep = { kind: 'sync-exit-routing', routes: ['0.0.0.0/0'], afterSet: true };
    await runApplyPlan(env, plan([exit], { fwmark: 22342, peers: [] }), record);
    expect(record.exitRoutingComplete).toBe(false);
  });
});
