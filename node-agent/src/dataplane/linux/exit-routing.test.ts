import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { CommandError, type CommandRunner } from './command-runner.js';
import { type ExitRoutingHost, parseExitRouting, planExitRouting, splitExitRoutes } from './exit-routing.js';
import { controlPlaneAddresses, syncExitRouting } from './exit-routing-sync.js';

const silent = pino({ level: 'silent' });
const IF = 'wf0';
const EMPTY: ExitRoutingHost = { rules: [], tableRoutes: new Map(), exceptions: new Map() };
const CONTROL = { address: '198.51.100.10', gateway: '192.0.2.1', dev: 'eth0' };

/** The host as `ip -j` lists it with exit routing fully on (what planExitRouting writes). */
function fullyOn(): ExitRoutingHost {
  return parseExitRouting(
    IF,
    [
      { priority: 0, table: 'local' },
      { priority: 22340, table: 'main', suppress_prefixlen: 0, protocol: '87' },
      { priority: 22341, not: null, fwmark: '0x5746', table: '22342', protocol: '87' },
      { priority: 32766, table: 'main' },
    ],
    [
      { dst: 'default', dev: IF, table: '22342' },
      { dst: '10.1.0.0/24', dev: IF, table: 'main' },
      { dst: '198.51.100.10', gateway: '192.0.2.1', dev: 'eth0', table: 'main' },
    ],
  );
}

describe('splitExitRoutes', () => {
  it('sends the default and both /1 halves to the exit table, everything else to main', () => {
    expect(
      splitExitRoutes(['0.0.0.0/0', '0.0.0.0/1', '10.0.0.0/8', '128.0.0.0/1', '64.0.0.0/2', 'fd00::/64']),
    ).toEqual({
      main: ['10.0.0.0/8', '64.0.0.0/2', 'fd00::/64'],
      exit: ['0.0.0.0/0', '0.0.0.0/1', '128.0.0.0/1'],
    });
  });
});

describe('parseExitRouting', () => {
  it("finds the agent's rules, table routes and control-plane routes, not the peers' routes", () => {
    const host = fullyOn();
    expect(host.rules).toEqual([
      { priority: '22340', wanted: true },
      { priority: '22341', wanted: true },
    ]);
    expect([...host.tableRoutes]).toEqual([['0.0.0.0/0', IF]]);
    expect([...host.exceptions.values()]).toEqual([CONTROL]);
  });

  it('marks a rule of ours that was changed as unwanted', () => {
    const host = parseExitRouting(
      IF,
      [{ priority: 22341, not: null, fwmark: '0x1', table: '22342', protocol: '87' }],
      [],
    );
    expect(host.rules).toEqual([{ priority: '22341', wanted: false }]);
  });
});

describe('planExitRouting', () => {
  const wanted = { ifname: IF, routes: ['0.0.0.0/0'], exceptions: [CONTROL], keepOtherExceptions: false };

  it('turns on in an order that never captures the control plane: exceptions, table, then rules', () => {
    expect(planExitRouting(EMPTY, wanted).commands).toEqual([
      [
        'route',
        'replace',
        '198.51.100.10/32',
        'via',
        '192.0.2.1',
        'dev',
        'eth0',
        'table',
        'main',
        'proto',
        '87',
      ],
      ['route', 'replace', '0.0.0.0/0', 'dev', IF, 'table', '22342', 'proto', '87'],
      ['rule', 'add', 'priority', '22340', 'table', 'main', 'suppress_prefixlength', '0', 'protocol', '87'],
      ['rule', 'add', 'priority', '22341', 'not', 'fwmark', '22342', 'table', '22342', 'protocol', '87'],
    ]);
  });

  it('does nothing when the host already matches', () => {
    expect(planExitRouting(fullyOn(), wanted)).toEqual({ commands: [], changes: [] });
  });

  it('turns off rules first, then the table, then the control-plane route', () => {
    expect(planExitRouting(fullyOn(), { ...wanted, routes: [] }).commands).toEqual([
      ['rule', 'del', 'priority', '22340', 'protocol', '87'],
      ['rule', 'del', 'priority', '22341', 'protocol', '87'],
      ['route', 'del', '0.0.0.0/0', 'table', '22342', 'proto', '87'],
      ['route', 'del', '198.51.100.10/32', 'via', '192.0.2.1', 'dev', 'eth0', 'table', 'main', 'proto', '87'],
    ]);
  });

  it('replaces a tampered rule, and keeps an exception while its host does not resolve', () => {
    const host = fullyOn();
    host.rules[1]!.wanted = false;
    const plan = planExitRouting(host, { ...wanted, exceptions: [], keepOtherExceptions: true });
    expect(plan.commands).toEqual([
      ['rule', 'del', 'priority', '22341', 'protocol', '87'],
      ['rule', 'add', 'priority', '22341', 'not', 'fwmark', '22342', 'table', '22342', 'protocol', '87'],
    ]);
  });

  it("turning off beside another agent's exit routing removes only its own table routes", () => {
    const host = fullyOn();
    host.tableRoutes.set('0.0.0.0/1', 'wf1');
    expect(planExitRouting(host, { ...wanted, routes: [] }).commands).toEqual([
      ['route', 'del', '0.0.0.0/0', 'dev', IF, 'table', '22342', 'proto', '87'],
    ]);
  });

  it('refuses a device or gateway that is not a plain name or address', () => {
    for (const exception of [
      { ...CONTROL, dev: 'eth0 table 5' },
      { ...CONTROL, gateway: '192.0.2.1;x' },
    ]) {
      expect(() => planExitRouting(EMPTY, { ...wanted, exceptions: [exception] })).toThrow(/invalid/);
    }
  });
});

describe('controlPlaneAddresses', () => {
  it('resolves names, leaves out loopback and IPv6 literals, and names what does not resolve', async () => {
    const lookup = async (host: string) => {
      if (host === 'api.example') return ['198.51.100.10', '127.0.0.1'];
      throw new Error('ENOTFOUND');
    };
    const urls = [
      'https://api.example',
      'wss://198.51.100.11:8443',
      'http://127.0.0.1:3000',
      'https://[2001:db8::1]',
      'wss://gone.example',
    ];
    expect(await controlPlaneAddresses(urls, lookup)).toEqual({
      addresses: ['198.51.100.10', '198.51.100.11'],
      unresolved: ['gone.example'],
    });
  });
});

describe('syncExitRouting (fake ip)', () => {
  /** `ip` that lists `listing`, answers `route get` with `path`, and records every write. */
  function fakeIp(listing: { rules: unknown[]; routes: unknown[] }, path: unknown) {
    const writes: string[] = [];
    const run: CommandRunner = async (file, args, options) => {
      if (file === 'sysctl') {
        writes.push(`sysctl ${args.join(' ')}`);
        return { stdout: '', stderr: '' };
      }
      if (args.includes('get')) {
        if (path === undefined)
          throw new CommandError(file, args, 2, 'RTNETLINK answers: Network is unreachable');
        return { stdout: JSON.stringify([path]), stderr: '' };
      }
      if (args[0] === '-j')
        return {
          stdout: `${JSON.stringify(listing.rules)}\n${JSON.stringify(listing.routes)}\n`,
          stderr: '',
        };
      writes.push(...(options?.input ?? '').trim().split('\n'));
      return { stdout: '', stderr: '' };
    };
    return { run, writes };
  }
  const ctx = (
    run: CommandRunner,
    lookup = async (_host: string): Promise<string[]> => ['198.51.100.10'],
  ) => ({
    interfaceName: IF,
    run,
    logger: silent,
    controlPlaneUrls: ['https://api.example'],
    lookup,
  });

  it('takes the control plane path from a marked route lookup and turns on src_valid_mark', async () => {
    const ip = fakeIp({ rules: [], routes: [] }, { dst: '198.51.100.10', gateway: '192.0.2.1', dev: 'eth0' });
    expect(await syncExitRouting(ctx(ip.run), ['0.0.0.0/0'])).toMatchObject({ complete: true });
    expect(ip.writes[0]).toBe('sysctl -w net.ipv4.conf.all.src_valid_mark=1');
    expect(ip.writes[1]).toBe('route replace 198.51.100.10/32 via 192.0.2.1 dev eth0 table main proto 87');
    expect(ip.writes).toHaveLength(5);
  });

  it('skips an address reached through the tunnel or not at all, and carries on', async () => {
    for (const path of [
      { dst: '198.51.100.10', dev: IF },
      { dst: '198.51.100.10', dev: 'lo', type: 'local' },
      undefined,
    ]) {
      const ip = fakeIp({ rules: [], routes: [] }, path);
      await syncExitRouting(ctx(ip.run), ['0.0.0.0/0']);
      expect(ip.writes.filter((line) => line.includes('198.51.100.10'))).toEqual([]);
      expect(ip.writes.filter((line) => line.startsWith('rule add'))).toHaveLength(2);
    }
  });

  it('reports itself incomplete while the control plane does not resolve, keeping the route it had', async () => {
    const listing = {
      rules: [],
      routes: [{ dst: '198.51.100.10', gateway: '192.0.2.1', dev: 'eth0', table: 'main' }],
    };
    const ip = fakeIp(listing, undefined);
    const result = await syncExitRouting(
      ctx(ip.run, async () => []),
      ['0.0.0.0/0'],
    );
    expect(result.complete).toBe(false);
    expect(ip.writes.filter((line) => line.includes('198.51.100.10'))).toEqual([]);
  });

  it('with no exit route and nothing left over, reads once and writes nothing', async () => {
    const ip = fakeIp(
      { rules: [{ priority: 32766, table: 'main' }], routes: [{ dst: '10.1.0.0/24', dev: IF }] },
      undefined,
    );
    expect(await syncExitRouting(ctx(ip.run), [])).toEqual({ changes: [], complete: true });
    expect(ip.writes).toEqual([]);
  });
});
