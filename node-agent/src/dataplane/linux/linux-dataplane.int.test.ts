
import { randomBytes, randomInt } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DesiredState } from '../dataplane.js';
import { keyToHex } from '../render/validate.js';
import { execFileRunner, netnsRunner } from './command-runner.js';
import { establishLink, syncLink } from './link-sync.js';
import { LinuxDataplane } from './linux-dataplane.js';
import { IN_CI, inNs, keyPair, missingPrerequisites, ping, prerequisitesReason, removeHosts, sh } from './real-host.test-suite.js';

/**
 * Real end-to-end test, as root: two network namespaces joined by a veth pair, a wireguard-go
 * tunnel between them driven by two LinuxDataplanes, pings across it, and hand tampering that
 * reconcile must repair. Everything it creates (namespaces, veths, daemons, sockets) is named
 * `wft…` with a random suffix and removed in afterAll; the root namespace is never touched.
 */



const missing = missingPrerequisites();
const reason = prerequisitesReason(missing);
if (missing.length > 0 && !IN_CI) console.warn(`skipping LinuxDataplane integration test: ${reason}`);


const suffix = randomBytes(3).toString('hex');
const subnet = `10.213.${randomInt(1, 250)}`;
const side = (name: 'a' | 'b', octet: number) => ({
  ns: `wft-${suffix}${name}`,
  ifname: `wft${suffix}${name}`,
  veth: `wfv${suffix}${name}`,
  vethIp: `${subnet}.${octet}`,
});
const A = side('a', 1);
const B = side('b', 2);
const PORT = 51820;


const pingB = () => ping(A.ns, '100.96.0.2');

describe.runIf(missing.length === 0)('LinuxDataplane on a real host (two namespaces, wireguard-go)', () => {
  const logger = pino({ level: 'silent' });
  const keysA = keyPair();
  const keysB = keyPair();
  const keysC = keyPair();
  let planeA: LinuxDataplane;
  let planeB: LinuxDataplane;

  const desiredA = (overrides: Partial<DesiredState> = {}): DesiredState => ({
    revision: 1,
    address: '100.96.0.1/16',
    listenPort: PORT,
    peers: [
      { publicKey: keysB.publicKey, allowedIps: ['100.96.0.2/32'], endpoint: `${B.vethIp}:${PORT}` },
      // A peer that never answers: its changes must not disturb B's session.
      { publicKey: keysC.publicKey, allowedIps: ['100.96.0.3/32', '10.77.0.0/24'], persistentKeepalive: 0 },
    ],
    forwards: [{ protocol: 'tcp', publicPort: 8080, targetIp: '100.96.0.2', targetPort: 80 }],
    masquerade: true,
    ...overrides,
  });
  const desiredB: DesiredState = {
    revision: 1,
    address: '100.96.0.2/16',
    listenPort: PORT,
    peers: [{ publicKey: keysA.publicKey, allowedIps: ['100.96.0.1/32'], endpoint: `${A.vethIp}:${PORT}` }],
    forwards: [],
    masquerade: false,
  };

  beforeAll(async () => {
    for (const { ns } of [A, B]) {
      await sh(['ip', 'netns', 'add', ns]);
      await inNs(ns, 'ip', 'link', 'set', 'lo', 'up');
    }
    // Created inside A with its peer end placed straight into B: the root namespace never sees it.
    await inNs(A.ns, 'ip', 'link', 'add', A.veth, 'type', 'veth', 'peer', 'name', B.veth, 'netns', B.ns);
    for (const { ns, veth, vethIp } of [A, B]) {
      await inNs(ns, 'ip', 'addr', 'add', `${vethIp}/30`, 'dev', veth);
      await inNs(ns, 'ip', 'link', 'set', veth, 'up');
    }
    planeA = new LinuxDataplane({
      interfaceName: A.ifname,
      privateKey: keysA.privateKey,
      logger,
      netns: A.ns,
    });
    planeB = new LinuxDataplane({
      interfaceName: B.ifname,
      privateKey: keysB.privateKey,
      logger,
      netns: B.ns,
    });
  });

  afterAll(async () => {
    const problems = await removeHosts([A.ns, B.ns], [A.ifname, B.ifname]);
    if (problems.length > 0) console.warn('integration cleanup problems', problems);
  });

  it('brings up a tunnel that really carries packets', async () => {
    expect(await planeA.apply(desiredA())).toEqual({
      peersAdded: 2,
      peersUpdated: 0,
      peersRemoved: 0,
      firewallReplaced: true,
    });
    expect(await planeB.apply(desiredB)).toMatchObject({ peersAdded: 1 });
    expect(await pingB()).toBe(true);
    const statusB = (await planeA.peerStatus()).find((p) => p.publicKey === keysB.publicKey);
    expect(statusB?.latestHandshake).toBeGreaterThan(0);
    expect(await inNs(A.ns, 'ip', 'route', 'show', '10.77.0.0/24')).toContain(`dev ${A.ifname}`);
    expect(await planeA.show()).toContain(`peer: ${keysB.publicKey}`);
    expect((await planeA.digest()).drift).toBe(false);
    // The `ping` command runs in the dataplane's own namespace, across the tunnel.
    expect(await planeA.ping('100.96.0.2', 1)).toMatchObject({ ok: true, output: expect.stringContaining('1 received') });
    expect(await planeA.ping('100.96.0.77', 1)).toMatchObject({ ok: false, error: expect.stringMatching(/^ping failed/) });
  });

  it('renders and applies the DNAT forward', async () => {
    const table = await inNs(A.ns, 'nft', 'list', 'table', 'inet', 'wirefleet');
    expect(table).toContain('dnat ip to 100.96.0.2:80');
    // Traffic arriving through the tunnel is never DNAT'ed (CONTRACT §4).
    expect(table).toMatch(new RegExp(`iifname != "${A.ifname}" .*dport 8080 dnat ip to 100\\.96\\.0\\.2:80`));
    expect(table).toContain(`oifname "${A.ifname}" masquerade`);
    expect((await inNs(A.ns, 'sysctl', '-n', 'net.ipv4.ip_forward')).trim()).toBe('1');
  });

  it('a one-peer change sends only that peer and keeps the other session', async () => {
    const before = (await planeA.peerStatus()).find((p) => p.publicKey === keysB.publicKey)!;
    const next = desiredA({ revision: 2 });
    next.peers[1] = { ...next.peers[1]!, allowedIps: ['100.96.0.3/32'], persistentKeepalive: 30 };
    expect(await planeA.apply(next)).toEqual({
      peersAdded: 0,
      peersUpdated: 1,
      peersRemoved: 0,
      firewallReplaced: false,
    });
    const request = planeA.lastUapiRequest ?? '';
    expect(request).toContain(`public_key=${keyToHex(keysC.publicKey)}`);
    expect(request).not.toContain(keyToHex(keysB.publicKey));
    expect(request.split('\n').filter((line) => line.startsWith('public_key='))).toHaveLength(1);
    const after = (await planeA.peerStatus()).find((p) => p.publicKey === keysB.publicKey)!;
    expect(after.latestHandshake).toBe(before.latestHandshake);
    expect(after.rxBytes).toBeGreaterThanOrEqual(before.rxBytes);
    // The stale route of the dropped allowed IP is gone.
    expect(await inNs(A.ns, 'ip', 'route', 'show', '10.77.0.0/24')).toBe('');
    await planeA.apply(desiredA({ revision: 3 }));
  });

  it('reconcile re-adds a peer removed by hand', async () => {
    await inNs(A.ns, 'wg', 'set', A.ifname, 'peer', keysB.publicKey, 'remove');
    expect((await planeA.digest()).drift).toBe(true);
    const report = await planeA.reconcile();
    expect(report.corrected).toContain(`peer ${keysB.publicKey} re-added`);
    expect((await planeA.digest()).drift).toBe(false);
    expect(await pingB()).toBe(true);
  });

  it('reconcile restores a tampered or deleted firewall table', async () => {
    await inNs(
      A.ns,
      'nft',
      'add',
      'rule',
      'inet',
      'wirefleet',
      'forward',
      'ip',
      'saddr',
      '192.0.2.1',
      'drop',
    );
    expect((await planeA.digest()).drift).toBe(true);
    expect((await planeA.reconcile()).corrected).toContain('firewall table restored');
    expect(await inNs(A.ns, 'nft', 'list', 'table', 'inet', 'wirefleet')).not.toContain('192.0.2.1');
    expect((await planeA.digest()).drift).toBe(false);

    await inNs(A.ns, 'nft', 'delete', 'table', 'inet', 'wirefleet');
    expect((await planeA.digest()).drift).toBe(true);
    expect((await planeA.reconcile()).corrected).toContain('firewall table restored (it was missing)');
    expect((await planeA.digest()).drift).toBe(false);
    expect(await planeA.reconcile()).toMatchObject({ corrected: [], firewallReplaced: false });
  });

  it('reconcile brings back an interface whose daemon died', async () => {
    // Deleting the socket makes wireguard-go exit, taking its TUN device with it.
    await rm(`/var/run/wireguard/${B.ifname}.sock`);
    for (let i = 0; i < 100 && (await inNs(B.ns, 'ip', '-o', 'link', 'show')).includes(B.ifname); i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect((await planeB.digest()).drift).toBe(true);
    const report = await planeB.reconcile();
    expect(report.corrected).toEqual(
      expect.arrayContaining([
        `interface ${B.ifname} recreated`,
        `peer ${keysA.publicKey} re-added`,
        'address 100.96.0.2/16 set',
      ]),
    );
    expect((await planeB.digest()).drift).toBe(false);
    // From B: the new daemon has no session, so it initiates the handshake at once (A alone
    // would keep using its stale session until WireGuard's ~15 s rekey timeout).
    expect(await ping(B.ns, '100.96.0.1')).toBe(true);
    expect(await pingB()).toBe(true);
  });

  it('a restarted agent adopts the running interface without touching its peers', async () => {
    const before = (await planeA.peerStatus()).find((p) => p.publicKey === keysB.publicKey)!;
    await planeA.close();
    const restarted = new LinuxDataplane({
      interfaceName: A.ifname,
      privateKey: keysA.privateKey,
      logger,
      netns: A.ns,
    });
    const report = await restarted.apply(desiredA({ revision: 4 }));
    expect(report).toMatchObject({ peersAdded: 0, peersUpdated: 0, peersRemoved: 0 });
    expect(restarted.lastUapiRequest).toBeUndefined();
    const after = (await restarted.peerStatus()).find((p) => p.publicKey === keysB.publicKey)!;
    expect(after.latestHandshake).toBe(before.latestHandshake);
    expect(await pingB()).toBe(true);
  });
});

describe.runIf(missing.length === 0)('establishLink on a real link', () => {
  const ns = `wft-${suffix}l`;
  const link = `wfl${suffix}`;
  const host = { interfaceName: link, run: netnsRunner(execFileRunner, ns) };
  beforeAll(async () => {
    await sh(['ip', 'netns', 'add', ns]);
    await inNs(ns, 'ip', 'link', 'add', link, 'type', 'veth', 'peer', 'name', `${link}p`);
  });
  afterAll(async () => {
    await sh(['ip', 'netns', 'del', ns]).catch((error: unknown) => console.warn('integration cleanup', error));
  });

  it('replaces a leftover primary address of the same network and a stale route, and keeps its own', async () => {
    // The leftover is primary, so the wanted address becomes its secondary, which the kernel
    // deletes along with the primary: establishLink must set it again afterwards.
    await inNs(ns, 'ip', 'addr', 'add', '100.96.0.9/16', 'dev', link);
    await inNs(ns, 'ip', 'link', 'set', link, 'up');
    await inNs(ns, 'ip', 'route', 'add', '10.66.0.0/24', 'dev', link, 'proto', '87');
    const { routes } = await establishLink(host, { address: '100.96.0.1/16', routes: ['10.77.0.0/24'] });
    expect([...routes]).toEqual(['10.77.0.0/24']);
    const addresses = JSON.parse(await inNs(ns, 'ip', '-j', 'addr', 'show', 'dev', link)) as {
      addr_info: { family: string; local: string; prefixlen: number }[];
    }[];
    expect(addresses[0]!.addr_info.filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`)).toEqual([
      '100.96.0.1/16',
    ]);
    expect(await inNs(ns, 'ip', 'route', 'show', 'proto', '87')).toBe(`10.77.0.0/24 dev ${link} scope link linkdown \n`);
    // Again, on what it left: nothing is left over, one `ip` process.
    expect([
      ...(await establishLink(host, { address: '100.96.0.1/16', routes: ['10.77.0.0/24'] })).routes,
    ]).toEqual(['10.77.0.0/24']);
  });

  it('a changed tunnel address keeps the routes the kernel drops with the old address', async () => {
    await establishLink(host, { address: '100.96.0.1/16', routes: ['10.77.0.0/24'] });
    const { changes } = await syncLink(host, {
      address: '100.97.0.5/16',
      routes: ['10.77.0.0/24'],
      knownRoutes: new Set(['10.77.0.0/24']),
    });
    expect(changes).toEqual(['address 100.96.0.1/16 removed', 'address 100.97.0.5/16 set']);
    expect(await inNs(ns, 'ip', 'route', 'show', 'proto', '87')).toBe(`10.77.0.0/24 dev ${link} scope link linkdown \n`);
  });
});

// In CI a missing prerequisite is a failure that names it, never a silent skip.
if (missing.length > 0 && IN_CI) {
  describe('LinuxDataplane integration prerequisites', () => {
    it('are present in CI', () => {
      throw new Error(`LinuxDataplane integration test ${reason}`);
    });
  });
}
