import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DesiredState } from '../dataplane.js';
import { EXIT_TABLE } from './exit-routing.js';
import { LinuxDataplane } from './linux-dataplane.js';
import { IN_CI, inNs, keyPair, missingPrerequisites, ping, prerequisitesReason, removeHosts, sh } from './real-host.test-suite.js';

/**
 * Exit routing on a real host, as root, in three network namespaces made for this run:
 * - U, the underlay: a router between A and B that also holds the control plane's address
 *   (198.51.100.10, a TCP listener) and another address (198.51.100.7, the same listener) that
 *   stands for the Internet;
 * - A, the node under test (a LinuxDataplane), whose default route is U;
 * - B, an exit node peer that does NOT forward: whatever A sends into the tunnel for an address
 *   other than B's own is dropped there, so a connection that succeeds did not use the tunnel.
 * A's desired state gives B `0.0.0.0/0`. Only TEST-NET addresses, only inside these namespaces;
 * everything (namespaces, veths, daemons, sockets, the listener) is removed in afterAll.
 */



const missing = missingPrerequisites();
const reason = prerequisitesReason(missing);
if (missing.length > 0 && !IN_CI) console.warn(`skipping exit routing integration test: ${reason}`);


const suffix = randomBytes(3).toString('hex');
const NS = { u: `wfe-${suffix}u`, a: `wfe-${suffix}a`, b: `wfe-${suffix}b` };
const WG = { a: `wfe${suffix}a`, b: `wfe${suffix}b` };
/** veth ends: U's towards A and B, A's and B's towards U. */
const VETH = { ua: `wxe${suffix}ua`, ub: `wxe${suffix}ub`, a: `wxe${suffix}a`, b: `wxe${suffix}b` };
const CONTROL_PLANE = '198.51.100.10';
const ELSEWHERE = '198.51.100.7';
const A_UNDERLAY = '192.0.2.2';
const U_TOWARDS_A = '192.0.2.1';
const B_UNDERLAY = '203.0.113.2';
const PORT = 51820;
const TCP_PORT = 8443;


/** Opens a TCP connection from A's namespace and reads the greeting; false when it cannot. */
async function connectFromA(address: string): Promise<boolean> {
  const script = `const s=require('net').connect({host:${JSON.stringify(address)},port:${TCP_PORT}});s.setTimeout(1500,()=>process.exit(2));s.on('data',()=>process.exit(0));s.on('error',()=>process.exit(3));`;
  try {
    await inNs(NS.a, process.execPath, '-e', script);
    return true;
  } catch {
    // Timed out or refused: the connection did not get through.
    return false;
  }
}

/** Starts the control plane's stand-in in U: a TCP listener on every address of U. */
async function startListener(): Promise<ChildProcess> {
  const script = `require('net').createServer((s)=>s.end('hello\\n')).listen(${TCP_PORT},'0.0.0.0',()=>console.log('ready'));`;
  const child = spawn('ip', ['netns', 'exec', NS.u, process.execPath, '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`listener exited (${code})`)));
    child.stdout?.once('data', () => resolve());
  });
  return child;
}


/** `ip route get` in A, optionally with a mark: the path a packet would take. */
const routeGet = (address: string, ...extra: string[]) => inNs(NS.a, 'ip', 'route', 'get', address, ...extra);
const agentRules = async () =>
  (await inNs(NS.a, 'ip', 'rule', 'show')).split('\n').filter((line) => line.includes('proto 87'));
const exitTable = () => inNs(NS.a, 'ip', 'route', 'show', 'table', EXIT_TABLE).catch(() => '');

async function buildTopology(): Promise<void> {
  for (const ns of Object.values(NS)) {
    await sh(['ip', 'netns', 'add', ns]);
    await inNs(ns, 'ip', 'link', 'set', 'lo', 'up');
  }
  // Made inside U with the other end placed straight into A or B: the root namespace never sees them.
  await inNs(NS.u, 'ip', 'link', 'add', VETH.ua, 'type', 'veth', 'peer', 'name', VETH.a, 'netns', NS.a);
  await inNs(NS.u, 'ip', 'link', 'add', VETH.ub, 'type', 'veth', 'peer', 'name', VETH.b, 'netns', NS.b);
  const links: [string, string, string][] = [
    [NS.u, VETH.ua, `${U_TOWARDS_A}/24`],
    [NS.u, VETH.ub, '203.0.113.1/24'],
    [NS.a, VETH.a, `${A_UNDERLAY}/24`],
    [NS.b, VETH.b, `${B_UNDERLAY}/24`],
  ];
  for (const [ns, veth, address] of links) {
    await inNs(ns, 'ip', 'addr', 'add', address, 'dev', veth);
    await inNs(ns, 'ip', 'link', 'set', veth, 'up');
  }
  await inNs(NS.u, 'ip', 'addr', 'add', `${CONTROL_PLANE}/32`, 'dev', 'lo');
  await inNs(NS.u, 'ip', 'addr', 'add', `${ELSEWHERE}/32`, 'dev', 'lo');
  await inNs(NS.u, 'sysctl', '-w', 'net.ipv4.ip_forward=1');
  await inNs(NS.a, 'ip', 'route', 'add', 'default', 'via', U_TOWARDS_A);
  // Strict reverse-path filtering, as some distributions set it: a reply from B's endpoint must
  // still be accepted although the unmarked route back to it is the tunnel.
  await inNs(NS.a, 'sysctl', '-w', 'net.ipv4.conf.all.rp_filter=1');
  await inNs(NS.b, 'ip', 'route', 'add', 'default', 'via', '203.0.113.1');
}

async function destroyTopology(): Promise<void> {
  const problems = await removeHosts(Object.values(NS), Object.values(WG));
  if (problems.length > 0) console.warn('exit routing cleanup problems', problems);
}

describe.runIf(missing.length === 0)('exit routing on a real host (underlay router, node, exit node)', () => {
  const logger = pino({ level: 'silent' });
  const keysA = keyPair();
  const keysB = keyPair();
  let listener: ChildProcess | undefined;
  let planeA: LinuxDataplane;
  let planeB: LinuxDataplane;

  const newPlaneA = () =>
    new LinuxDataplane({
      interfaceName: WG.a,
      privateKey: keysA.privateKey,
      logger,
      netns: NS.a,
      // The gateway's host twice over, as a name (resolved through the injected lookup) and as
      // loopback, which never needs an exception.
      controlPlaneUrls: [
        `https://${CONTROL_PLANE}:${TCP_PORT}`,
        'wss://gateway.test:443',
        'http://127.0.0.1:3000',
      ],
      lookup: async (host) => (host === 'gateway.test' ? [CONTROL_PLANE] : []),
    });
  const desiredA = (exitRoutes: string[], revision = 1): DesiredState => ({
    revision,
    address: '100.96.0.1/16',
    listenPort: PORT,
    peers: [
      {
        publicKey: keysB.publicKey,
        allowedIps: ['100.96.0.2/32', ...exitRoutes],
        endpoint: `${B_UNDERLAY}:${PORT}`,
      },
    ],
    forwards: [],
    masquerade: true,
  });
  const desiredB: DesiredState = {
    revision: 1,
    address: '100.96.0.2/16',
    listenPort: PORT,
    peers: [{ publicKey: keysA.publicKey, allowedIps: ['100.96.0.1/32'], endpoint: `${A_UNDERLAY}:${PORT}` }],
    forwards: [],
    // B does not forward: traffic A sends it for the Internet goes no further.
    masquerade: false,
  };

  beforeAll(async () => {
    await buildTopology();
    listener = await startListener();
    planeA = newPlaneA();
    planeB = new LinuxDataplane({ interfaceName: WG.b, privateKey: keysB.privateKey, logger, netns: NS.b });
  });

  afterAll(async () => {
    listener?.kill('SIGTERM');
    await destroyTopology();
  });

  it('before exit routing: the control plane and the Internet are reached over the underlay', async () => {
    expect(await connectFromA(CONTROL_PLANE)).toBe(true);
    expect(await connectFromA(ELSEWHERE)).toBe(true);
  });

  it('routes the default into the tunnel, and keeps the control plane and WireGuard outside it', async () => {
    const appliedAt = Math.floor(Date.now() / 1000);
    await planeA.apply(desiredA(['0.0.0.0/0']));
    await planeB.apply(desiredB);
    // (a) the tunnel carries packets; the handshake with B happened with the default already
    // in the tunnel (c): WireGuard's own UDP is marked and leaves through the underlay.
    expect(await ping(NS.a, '100.96.0.2')).toBe(true);
    const statusB = (await planeA.peerStatus()).find((peer) => peer.publicKey === keysB.publicKey);
    expect(statusB?.latestHandshake).toBeGreaterThanOrEqual(appliedAt);
    expect(await routeGet(B_UNDERLAY)).toContain(`dev ${WG.a} table ${EXIT_TABLE}`);
    expect(await routeGet(B_UNDERLAY, 'mark', EXIT_TABLE)).toContain(`via ${U_TOWARDS_A} dev ${VETH.a}`);
    expect(await inNs(NS.a, 'wg', 'show', WG.a, 'fwmark')).toBe('0x5746\n');
    // Under strict rp_filter, B's replies pass because the firewall gives them the mark back.
    expect(await inNs(NS.a, 'nft', 'list', 'table', 'inet', 'wirefleet')).toContain('ct mark set meta mark');
    // (b) the control plane keeps its underlay path, and a connection to it succeeds…
    expect(await routeGet(CONTROL_PLANE)).toContain(`via ${U_TOWARDS_A} dev ${VETH.a}`);
    expect(await connectFromA(CONTROL_PLANE)).toBe(true);
    // (d) …while any other address goes into the tunnel, where B drops it.
    expect(await routeGet(ELSEWHERE)).toContain(`dev ${WG.a} table ${EXIT_TABLE}`);
    expect(await connectFromA(ELSEWHERE)).toBe(false);
    // The default stays out of main; the rules are the agent's (proto 87).
    expect(await inNs(NS.a, 'ip', 'route', 'show', 'table', 'main', 'proto', '87')).not.toContain('default');
    expect(await agentRules()).toHaveLength(2);
  });

  it('treats the two /1 halves as the default', async () => {
    await planeA.apply(desiredA(['0.0.0.0/1', '128.0.0.0/1'], 2));
    const table = await exitTable();
    expect(table).toContain('0.0.0.0/1');
    expect(table).toContain('128.0.0.0/1');
    expect(table).not.toContain('default');
    expect(await inNs(NS.a, 'ip', 'route', 'show', 'table', 'main', 'proto', '87')).not.toContain('/1 ');
    expect(await routeGet(ELSEWHERE)).toContain(`dev ${WG.a} table ${EXIT_TABLE}`);
    expect(await routeGet(CONTROL_PLANE)).toContain(`via ${U_TOWARDS_A} dev ${VETH.a}`);
    expect(await connectFromA(CONTROL_PLANE)).toBe(true);
    expect(await ping(NS.a, '100.96.0.2')).toBe(true);
  });

  it('reconcile puts back a rule and the fwmark removed by hand', async () => {
    await inNs(NS.a, 'ip', 'rule', 'del', 'priority', '22341');
    await inNs(NS.a, 'wg', 'set', WG.a, 'fwmark', '0');
    const { corrected } = await planeA.reconcile();
    expect(corrected).toEqual(expect.arrayContaining(['fwmark restored', '1 exit routing rule(s) added']));
    expect(await agentRules()).toHaveLength(2);
    expect(await routeGet(ELSEWHERE)).toContain(`dev ${WG.a} table ${EXIT_TABLE}`);
  });

  it('removing the exit route removes the rules, the table and the control-plane route', async () => {
    await planeA.apply(desiredA([], 3));
    expect(await agentRules()).toEqual([]);
    expect(await exitTable()).toBe('');
    expect(await inNs(NS.a, 'ip', 'route', 'show', 'table', 'main', 'proto', '87')).not.toContain(
      CONTROL_PLANE,
    );
    expect(await routeGet(ELSEWHERE)).toContain(`via ${U_TOWARDS_A} dev ${VETH.a}`);
    expect(await connectFromA(ELSEWHERE)).toBe(true);
    expect(await ping(NS.a, '100.96.0.2')).toBe(true);
    expect(await inNs(NS.a, 'nft', 'list', 'table', 'inet', 'wirefleet')).not.toContain('ct mark');
  });

  it('a restarted dataplane adopts exit routing without duplicates, and cleans what is no longer wanted', async () => {
    await planeA.apply(desiredA(['0.0.0.0/0'], 4));
    await planeA.close();
    const restarted = newPlaneA();
    await restarted.apply(desiredA(['0.0.0.0/0'], 4));
    expect(await agentRules()).toHaveLength(2);
    expect((await exitTable()).trim().split('\n')).toHaveLength(1);
    await restarted.close();
    // A restart with a config that no longer has the exit route finds what the last run left.
    const again = newPlaneA();
    await again.apply(desiredA([], 5));
    expect(await agentRules()).toEqual([]);
    expect(await exitTable()).toBe('');
    expect(await inNs(NS.a, 'ip', 'route', 'show', 'table', 'main', 'proto', '87')).not.toContain(
      CONTROL_PLANE,
    );
    expect(await connectFromA(ELSEWHERE)).toBe(true);
    planeA = again;
  });
});

// In CI a missing prerequisite is a failure that names it, never a silent skip.
if (missing.length > 0 && IN_CI) {
  describe('exit routing integration prerequisites', () => {
    it('are present in CI', () => {
      throw new Error(`exit routing integration test ${reason}`);
    });
  });
}
