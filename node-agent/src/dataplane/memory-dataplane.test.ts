import { createLogger } from '@wirefleet/shared/logging';
import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { CommandRunner } from '../commands/command-runner.js';
import { MemoryDataplane } from './memory-dataplane.js';

// Any host program started from here fails the test: the simulated backends must not spawn.
const spawned = vi.hoisted(() => [] as string[]);
vi.mock('node:child_process', async (original) => {
  const real = await original<typeof import('node:child_process')>();
  const refuse = (name: string) => (file: string) => {
    spawned.push(`${name} ${file}`);
    throw new Error(`spawned ${file}`);
  };
  return {
    ...real,
    execFile: refuse('execFile'),
    spawn: refuse('spawn'),
    exec: refuse('exec'),
    execFileSync: refuse('execFileSync'),
  };
});

const logger = createLogger({ service: 'node-agent', level: 'silent' });
const PEER = 'x'.repeat(43) + '=';

describe('MemoryDataplane simulates host commands', () => {
  it('answers ping for tunnel addresses it routes, marked as simulated, and refuses others', async () => {
    const dataplane = new MemoryDataplane(logger, { dryRun: true });
    await dataplane.apply({
      revision: 1,
      address: '100.96.0.5/16',
      listenPort: 51820,
      peers: [{ publicKey: PEER, allowedIps: ['100.96.0.6/32'] }],
      forwards: [],
      masquerade: true,
    });
    const reachable = await dataplane.ping('100.96.0.6', 3);
    expect(reachable.ok).toBe(true);
    expect(reachable.output).toContain('simulated by the dry-run backend, no packet sent');
    expect(reachable.output).toContain('3 packets transmitted, 3 received, 0% packet loss');
    const unknown = await dataplane.ping('100.96.0.99', 1);
    expect(unknown).toMatchObject({ ok: false, error: expect.stringContaining('not reachable') });
    expect(await dataplane.show()).toMatch(
      /^interface: \(simulated by the dry-run backend\)[\s\S]*peer: x+=\n {2}allowed ips: 100\.96\.0\.6\/32/,
    );
  });
});

describe('commands on the simulated backends', () => {
  it.each(['memory', 'dry-run'])(
    '%s: ping, wg_show and reconcile succeed without spawning a host program',
    async (kind) => {
      const dataplane = new MemoryDataplane(logger, { dryRun: kind === 'dry-run' });
      await dataplane.apply({
        revision: 1,
        address: '100.96.0.5/16',
        listenPort: 51820,
        peers: [],
        forwards: [],
        masquerade: true,
      });
      const runner = new CommandRunner(dataplane, '100.96.0.0/16');
      expect(await runner.run('ping', { target_ip: '100.96.0.5', count: 1 })).toMatchObject({ ok: true });
      expect(await runner.run('wg_show', {})).toMatchObject({ ok: true });
      expect(await runner.run('reconcile', {})).toMatchObject({ ok: true });
      expect(spawned).toEqual([]);
    },
  );
});

describe('MemoryDataplane peer status', () => {
  const desired = {
    revision: 1,
    address: '100.96.0.5/16',
    listenPort: 51820,
    peers: [{ publicKey: PEER, allowedIps: ['100.96.0.6/32'] }],
    forwards: [],
    masquerade: true,
  };

  it('memory: handshakes and traffic that grow with time, for live charts', async () => {
    let now = 1_800_000_000_000;
    const dataplane = new MemoryDataplane(logger, { now: () => now });
    await dataplane.apply(desired);
    now += 10_000;
    const [first] = await dataplane.peerStatus();
    now += 10_000;
    const [second] = await dataplane.peerStatus();
    expect(second!.rxBytes).toBeGreaterThan(first!.rxBytes);
    expect(second!.txBytes).toBeGreaterThan(first!.txBytes);
    expect(second!.latestHandshake).toBeGreaterThan(now / 1000 - 121);
  });

  it('dry-run: no traffic and no handshake', async () => {
    const dataplane = new MemoryDataplane(logger, { dryRun: true });
    await dataplane.apply(desired);
    expect(await dataplane.peerStatus()).toEqual([{ publicKey: PEER, rxBytes: 0, txBytes: 0 }]);
  });
});

describe('the dry-run backend and the access-policy filter', () => {
  it('logs the filter rules it would render, and refuses an invalid filter as linux does', async () => {
    const lines: string[] = [];
    const dataplane = new MemoryDataplane(
      pino({ level: 'info' }, { write: (line: string) => lines.push(line) }),
      { dryRun: true },
    );
    const state = {
      revision: 1,
      address: '100.96.0.5/16',
      listenPort: 51820,
      peers: [],
      forwards: [],
      masquerade: false,
      filter: {
        inbound: [
          { from: ['100.96.0.6/32'], proto: 'tcp' as const, ports: [[80, 80]] as [number, number][] },
        ],
      },
    };
    expect(await dataplane.apply(state)).toMatchObject({ firewallReplaced: true });
    const logged = JSON.parse(lines[0]!) as { msg: string; filter: unknown };
    expect(logged.msg).toContain('dry-run');
    expect(logged.filter).toEqual({
      entries: 1,
      devices: 0,
      rules: ['ip saddr { 100.96.0.6 } tcp dport 80 accept'],
    });
    const bad = {
      ...state,
      revision: 2,
      filter: { inbound: [{ from: ['100.96.0.6/32; flush ruleset'], proto: 'any' as const }] },
    };
    await expect(dataplane.apply(bad)).rejects.toThrow(/filter\.inbound\[0\]\.from\[0\]/);
    expect(spawned).toEqual([]);
  });
});
