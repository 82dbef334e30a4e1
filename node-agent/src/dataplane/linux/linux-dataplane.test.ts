import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DesiredState } from '../dataplane.js';
import { FakeHost } from './fake-host.test-suite.js';
import { FakeUapiDaemon } from './fake-uapi.test-suite.js';
import { LinuxDataplane } from './linux-dataplane.js';

const silent = pino({ level: 'silent' });
const b64 = (n: number) => Buffer.alloc(32, n).toString('base64');
const hex = (n: number) => n.toString(16).padStart(2, '0').repeat(32);
const IF = 'wfunit1';

function desired(overrides: Partial<DesiredState> = {}): DesiredState {
  return {
    revision: 1,
    address: '100.96.0.1/16',
    listenPort: 51820,
    peers: [
      { publicKey: b64(2), allowedIps: ['100.96.0.2/32', '10.9.0.0/24'], endpoint: '192.0.2.2:51820' },
      { publicKey: b64(3), allowedIps: ['100.96.0.3/32'], persistentKeepalive: 25 },
    ],
    forwards: [{ protocol: 'tcp', publicPort: 8080, targetIp: '100.96.0.2', targetPort: 80 }],
    masquerade: true,
    ...overrides,
  };
}

describe('LinuxDataplane (fake host)', () => {
  let daemon: FakeUapiDaemon;
  let host: FakeHost;
  let dataplane: LinuxDataplane;

  beforeEach(async () => {
    daemon = await FakeUapiDaemon.start(IF);
    host = new FakeHost();
    dataplane = new LinuxDataplane({
      interfaceName: IF,
      privateKey: b64(1),
      logger: silent,
      run: host.run,
      uapiDir: daemon.dir,
    });
  });
  afterEach(async () => {
    await dataplane.close();
    await daemon.stop();
  });

  it('first apply reads back once, then sets keys, port, peers, address, routes, forwarding and the table', async () => {
    const report = await dataplane.apply(desired());
    expect(report).toEqual({ peersAdded: 2, peersUpdated: 0, peersRemoved: 0, firewallReplaced: true });
    expect(daemon.requests.filter((r) => r.startsWith('get=1'))).toHaveLength(1); // the probe's read is the read-back
    const sets = daemon.requests.filter((r) => r.startsWith('set=1'));
    expect(sets).toHaveLength(1);
    expect(sets[0]).toContain(`private_key=${hex(1)}\nlisten_port=51820\n`);
    expect(host.calls).toContain(`ip addr replace 100.96.0.1/16 dev ${IF}`);
    expect(host.calls).toContain(`ip link set ${IF} up`);
    // Only the allowed IP outside 100.96.0.0/16 needs a route.
    expect(host.calls.filter((c) => c.startsWith('ip route replace'))).toEqual([
      `ip route replace 10.9.0.0/24 dev ${IF} proto 87`,
    ]);
    expect(host.calls).toContain('sysctl -w net.ipv4.ip_forward=1');
    expect(host.calls).toContain('nft -f -');
    // One `ip` process in all: it writes address, link state and routes, then lists them back.
    expect(host.received.filter((c) => c.startsWith('ip '))).toEqual(['ip -j -d -batch -']);
  });

  it('a first apply removes an address and routes left over, then sets its own again', async () => {
    host.addresses = ['100.96.0.9/24'];
    host.routes = new Set(['10.8.0.0/24', '10.9.0.0/24']);
    await dataplane.apply(desired());
    // Listed after the writes: the address the fake host replaced, so only the stale route.
    expect(host.calls.filter((c) => /^ip (route|addr) (del|replace)/.test(c))).toEqual([
      `ip addr replace 100.96.0.1/16 dev ${IF}`,
      `ip route replace 10.9.0.0/24 dev ${IF} proto 87`,
      `ip route del 10.8.0.0/24 dev ${IF} proto 87`,
      `ip addr replace 100.96.0.1/16 dev ${IF}`,
      `ip route replace 10.9.0.0/24 dev ${IF} proto 87`,
    ]);
    expect([...host.routes]).toEqual(['10.9.0.0/24']);
    expect(host.received.filter((c) => c.startsWith('ip '))).toEqual(['ip -j -d -batch -', 'ip -batch -']);
  });

  it('an exit route goes to its own table, after the mark on WireGuard and the reply-marking chains', async () => {
    const next = desired();
    next.peers[0] = {
      ...next.peers[0]!,
      allowedIps: [...next.peers[0]!.allowedIps, '0.0.0.0/1', '128.0.0.0/1'],
    };
    await dataplane.apply(next);
    expect(daemon.requests.find((r) => r.startsWith('set=1'))).toContain('fwmark=22342\n');
    const routing = host.calls.filter((c) => /^(ip (rule|route)|nft -f|sysctl -w net.ipv4.conf)/.test(c));
    expect(routing).toEqual([
      `ip route replace 10.9.0.0/24 dev ${IF} proto 87`,
      'nft -f -',
      'sysctl -w net.ipv4.conf.all.src_valid_mark=1',
      `ip route replace 0.0.0.0/1 dev ${IF} table 22342 proto 87`,
      `ip route replace 128.0.0.0/1 dev ${IF} table 22342 proto 87`,
      'ip rule add priority 22340 table main suppress_prefixlength 0 protocol 87',
      'ip rule add priority 22341 not fwmark 22342 table 22342 protocol 87',
    ]);
  });

  it('a one-peer change sends only that peer and leaves the rest of the host alone', async () => {
    await dataplane.apply(desired());
    daemon.requests.length = 0;
    host.calls = [];
    const next = desired({ revision: 2 });
    next.peers[1] = { ...next.peers[1]!, persistentKeepalive: 10 };
    const report = await dataplane.apply(next);
    expect(report).toEqual({ peersAdded: 0, peersUpdated: 1, peersRemoved: 0, firewallReplaced: false });
    expect(daemon.requests).toEqual([`set=1\npublic_key=${hex(3)}\npersistent_keepalive_interval=10\n\n`]);
    expect(dataplane.lastUapiRequest).toBe(daemon.requests[0]);
    expect(host.calls).toEqual([]);
  });

  it('an identical apply touches nothing at all', async () => {
    await dataplane.apply(desired());
    daemon.requests.length = 0;
    host.calls = [];
    expect(await dataplane.apply(desired({ revision: 3 }))).toEqual({
      peersAdded: 0,
      peersUpdated: 0,
      peersRemoved: 0,
      firewallReplaced: false,
    });
    expect(daemon.requests).toEqual([]);
    expect(host.calls).toEqual([]);
  });

  it('reconcile repairs a peer removed by hand and a tampered table; drift follows', async () => {
    await dataplane.apply(desired());
    expect((await dataplane.digest()).drift).toBe(false);
    daemon.peers.delete(hex(2));
    host.table = 'tampered';
    expect((await dataplane.digest()).drift).toBe(true);
    const report = await dataplane.reconcile();
    expect(report.corrected).toEqual([`peer ${b64(2)} re-added`, 'firewall table restored']);
    expect(report).toMatchObject({ peersAdded: 1, firewallReplaced: true });
    expect((await dataplane.digest()).drift).toBe(false);
    host.table = null;
    expect((await dataplane.reconcile()).corrected).toEqual(['firewall table restored (it was missing)']);
    expect((await dataplane.reconcile()).corrected).toEqual([]);
  });

  it('a restarted dataplane adopts the existing interface without re-setting its peers', async () => {
    await dataplane.apply(desired());
    const restarted = new LinuxDataplane({
      interfaceName: IF,
      privateKey: b64(1),
      logger: silent,
      run: host.run,
      uapiDir: daemon.dir,
    });
    daemon.requests.length = 0;
    const report = await restarted.apply(desired());
    expect(report).toMatchObject({ peersAdded: 0, peersUpdated: 0, peersRemoved: 0 });
    expect(daemon.requests.every((r) => r.startsWith('get=1'))).toBe(true);
  });

  it('rejects invalid input before running anything, and re-reads the host after a failure', async () => {
    await expect(dataplane.apply(desired({ address: '100.96.0.1/16; rm -rf /' }))).rejects.toThrow(
      /interface address/,
    );
    await expect(
      dataplane.apply(
        desired({ forwards: [{ protocol: 'tcp', publicPort: 0, targetIp: '1.1.1.1', targetPort: 1 }] }),
      ),
    ).rejects.toThrow();
    expect(host.calls).toEqual([]);
    expect(daemon.requests).toEqual([]);
    host.fail = 'nft -f -';
    await expect(dataplane.apply(desired())).rejects.toThrow(/injected/);
    host.fail = undefined;
    daemon.requests.length = 0;
    await dataplane.apply(desired());
    expect(daemon.requests[0]).toBe('get=1\n\n');
  });

  it('runs every command inside the namespace when one is given', async () => {
    const inNs = new LinuxDataplane({
      interfaceName: IF,
      privateKey: b64(1),
      logger: silent,
      run: host.run,
      uapiDir: daemon.dir,
      netns: 'wft-unit',
    });
    await inNs.apply(desired());
    expect(host.calls.length).toBeGreaterThan(0);
    // `ip` itself enters the namespace (`ip -n`, one process); other programs through `ip netns exec`.
    expect(host.received.length).toBeGreaterThan(0);
    for (const call of host.received) {
      expect(call).toMatch(/^ip (-n wft-unit|netns exec wft-unit (nft|sysctl)) /);
    }
  });
});
