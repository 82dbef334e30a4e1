import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { UapiSetChanges } from '../render/uapi-request.js';
import type { HostRecord } from './apply-runner.js';
import { FakeHost } from './fake-host.test-suite.js';
import { FakeUapiDaemon } from './fake-uapi.test-suite.js';
import { InterfaceHandle } from './interface-handle.js';
import { fingerprintNftTable, readNftTable } from './nftables.js';
import { PeerSet } from './peer-diff.js';
import type { ReconcilePlan, ReconcileStep } from './reconcile-plan.js';
import { type ReconcileRunnerEnv, runReconcilePlan } from './reconcile-runner.js';
import { UapiError } from './uapi-client.js';

const silent = pino({ level: 'silent' });
const b64 = (n: number) => Buffer.alloc(32, n).toString('base64');
const hex = (n: number) => n.toString(16).padStart(2, '0').repeat(32);
const IF = 'wfrec1';
const SCRIPT = 'table inet wirefleet {}\n';

const RE_ADD: UapiSetChanges = {
  peers: [{ kind: 'add', publicKey: b64(2), allowedIps: ['100.96.0.2/32'], persistentKeepalive: 0 }],
};
const LINK_UP: ReconcileStep = { kind: 'write-link', commands: [['link', 'set', IF, 'up']] };
const STEPS: ReconcileStep[] = [
  LINK_UP,
  { kind: 'sync-exit-routing', routes: [] },
  { kind: 'enable-forwarding' },
];

function plan(set: UapiSetChanges = RE_ADD, host: ReconcileStep[] = STEPS): ReconcilePlan {
  const diff = { changes: set.peers, added: [], updated: [], removed: [] };
  return { set, diff, corrected: [], host, model: { peers: new PeerSet([]) } };
}

describe('runReconcilePlan on the fake UAPI and a fake host', () => {
  let daemon: FakeUapiDaemon;
  let host: FakeHost;
  let env: ReconcileRunnerEnv;
  let record: HostRecord & { nftScript: string };
  /** How many host commands had run when the set was answered, and when onSet was called. */
  let commandsWhen: { answered?: number; onSet?: number };
  const onSet = () => {
    commandsWhen.onSet = host.calls.length;
  };

  beforeEach(async () => {
    daemon = await FakeUapiDaemon.start(IF);
    host = new FakeHost();
    commandsWhen = {};
    const link = { interfaceName: IF, run: host.run, logger: silent, uapiDir: daemon.dir };
    const device = new InterfaceHandle(link);
    await device.ensure();
    daemon.requests.length = 0;
    env = {
      link,
      exit: { interfaceName: IF, run: host.run, logger: silent, controlPlaneUrls: [] },
      inNetns: false,
      send: async (changes) => {
        await device.send(changes);
        commandsWhen.answered = host.calls.length;
      },
    };
    // The host as an apply of SCRIPT left it.
    host.addresses = ['100.96.0.1/16'];
    host.up = true;
    host.routes.add('10.9.0.0/24');
    await host.run('nft', ['-f', '-'], { input: SCRIPT });
    const fingerprint = fingerprintNftTable(await readNftTable(host.run));
    record = {
      routes: new Set(['10.9.0.0/24']),
      exitRoutingComplete: true,
      nftFingerprint: fingerprint,
      nftScript: SCRIPT,
    };
    host.calls = [];
    host.mostAtOnce = 0;
  });
  afterEach(async () => {
    await daemon.stop();
  });

  it('sends the set first, then writes the link, checks exit routing, ip_forward and the table, one after another', async () => {
    const outcome = await runReconcilePlan(env, plan(), record, onSet);
    expect(daemon.peers.has(hex(2))).toBe(true);
    expect(commandsWhen).toEqual({ answered: 0, onSet: 0 });
    expect(host.mostAtOnce).toBe(1);
    expect(host.calls[0]).toBe(`ip link set ${IF} up`);
    // The link's batch and exit routing's listing (`ip`), then ip_forward, then the table.
    const programs = host.calls.map((call) => call.split(' ')[0]);
    expect(programs.filter((program, i) => program !== programs[i - 1])).toEqual(['ip', 'sysctl', 'nft']);
    expect(host.calls.at(-1)).toBe('nft -j list table inet wirefleet');
    expect(outcome).toEqual({ corrected: [], firewallReplaced: false });
  });

  it('sends nothing when the set is empty, and still checks the host', async () => {
    await runReconcilePlan(env, plan({ peers: [] }), record, onSet);
    expect(daemon.requests).toEqual([]);
    expect(host.calls.at(-1)).toMatch(/^nft -j list/);
  });

  it('runs the link batch as planned, in order', async () => {
    host.routes.clear();
    host.up = false;
    const commands = [
      ['link', 'set', IF, 'up'],
      ['route', 'replace', '10.9.0.0/24', 'dev', IF, 'proto', '87'],
    ];
    await runReconcilePlan(env, plan(RE_ADD, [{ kind: 'write-link', commands }]), record, onSet);
    expect(host.calls.slice(0, 2)).toEqual(commands.map((line) => `ip ${line.join(' ')}`));
    expect(host.up).toBe(true);
    expect(host.routes).toEqual(new Set(['10.9.0.0/24']));
  });

  it.each([
    { name: 'tampered', table: 'tampered', corrected: 'firewall table restored' },
    { name: 'missing', table: null, corrected: 'firewall table restored (it was missing)' },
  ])('swaps a $name table back and fingerprints it again', async ({ table, corrected }) => {
    host.table = table;
    const outcome = await runReconcilePlan(env, plan(), record, onSet);
    expect(outcome).toEqual({ corrected: [corrected], firewallReplaced: true });
    expect(host.calls.filter((call) => call.startsWith('nft'))).toEqual([
      'nft -j list table inet wirefleet',
      'nft -f -',
      'nft -j list table inet wirefleet',
    ]);
    expect(record.nftFingerprint).toBe(fingerprintNftTable(await readNftTable(host.run)));
  });

  it('touches nothing on the host when the set fails, and does not take the plan as the interface', async () => {
    daemon.setErrno = 22;
    await expect(runReconcilePlan(env, plan(), record, onSet)).rejects.toBeInstanceOf(UapiError);
    expect(commandsWhen.onSet).toBeUndefined();
    expect(host.calls).toEqual([]);
  });

  it('stops at the first host step that fails: the table is not read', async () => {
    host.fail = 'sysctl';
    await expect(runReconcilePlan(env, plan(), record, onSet)).rejects.toThrow(/injected failure/);
    expect(commandsWhen.onSet).toBe(0);
    expect(host.calls.filter((call) => call.startsWith('nft'))).toEqual([]);
  });

  it('records whether exit routing is complete', async () => {
    record.exitRoutingComplete = false;
    await runReconcilePlan(env, plan(), record, onSet);
    expect(record.exitRoutingComplete).toBe(true);
  });
});
