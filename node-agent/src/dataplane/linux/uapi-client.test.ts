import { afterEach, describe, expect, it } from 'vitest';
import { FakeUapiDaemon } from './fake-uapi.test-suite.js';
import { parseUapiGet, parseUapiSetReply, UapiClient, UapiError, uapiSocketPath } from './uapi-client.js';
import { parseWgDump, WgCliTransport } from './wg-cli.js';
import type { CommandRunner } from './command-runner.js';

const hex = (n: number) => n.toString(16).padStart(2, '0').repeat(32);
const b64 = (n: number) => Buffer.alloc(32, n).toString('base64');

const GET_REPLY = [
  `private_key=${hex(1)}`,
  'listen_port=51820',
  `public_key=${hex(2)}`,
  `preshared_key=${'0'.repeat(64)}`,
  'protocol_version=1',
  'endpoint=192.0.2.2:51820',
  'last_handshake_time_sec=1700000000',
  'last_handshake_time_nsec=42',
  'tx_bytes=100',
  'rx_bytes=200',
  'persistent_keepalive_interval=25',
  'allowed_ip=100.96.0.2/32',
  'allowed_ip=10.9.0.0/24',
  `public_key=${hex(3)}`,
  'endpoint=[fd00::3]:4000',
  'last_handshake_time_sec=0',
  'persistent_keepalive_interval=0',
  'some_future_key=ignored',
  'errno=0',
  '',
  '',
].join('\n');

describe('parseUapiGet', () => {
  it('reads device and peers, converting hex keys to base64', () => {
    expect(parseUapiGet(GET_REPLY)).toEqual({
      privateKey: b64(1),
      listenPort: 51820,
      peers: [
        {
          publicKey: b64(2),
          endpoint: '192.0.2.2:51820',
          allowedIps: ['10.9.0.0/24', '100.96.0.2/32'],
          persistentKeepalive: 25,
          lastHandshakeSec: 1700000000,
          lastHandshakeNsec: 42,
          rxBytes: 200,
          txBytes: 100,
        },
        {
          publicKey: b64(3),
          endpoint: '[fd00::3]:4000',
          allowedIps: [],
          persistentKeepalive: 0,
          lastHandshakeSec: 0,
          lastHandshakeNsec: 0,
          rxBytes: 0,
          txBytes: 0,
        },
      ],
    });
  });

  it('throws on errno != 0, a missing errno, or garbage', () => {
    expect(() => parseUapiGet('errno=19\n\n')).toThrow(UapiError);
    expect(() => parseUapiGet('listen_port=1\n\n')).toThrow(/without errno/);
    expect(() => parseUapiGet('nonsense\nerrno=0\n\n')).toThrow(/malformed/);
    expect(() => parseUapiSetReply('errno=-22\n\n')).toThrow(/errno=-22/);
    expect(() => parseUapiSetReply('errno=0\n\n')).not.toThrow();
  });

  it('refuses interface names that would escape the socket directory', () => {
    expect(() => uapiSocketPath('../../etc/x')).toThrow();
    expect(uapiSocketPath('wg0')).toBe('/var/run/wireguard/wg0.sock');
  });
});

describe('UapiClient', () => {
  let daemon: FakeUapiDaemon | undefined;
  afterEach(async () => {
    await daemon?.stop();
  });

  it('gets and sets over the unix socket', async () => {
    daemon = await FakeUapiDaemon.start('wfunit0');
    const client = new UapiClient('wfunit0', daemon.dir);
    await client.set({
      listenPort: 4242,
      peers: [{ kind: 'add', publicKey: b64(9), allowedIps: ['10.0.0.9/32'] }],
    });
    const device = await client.get();
    expect(device.listenPort).toBe(4242);
    expect(device.peers.map((p) => [p.publicKey, p.allowedIps])).toEqual([[b64(9), ['10.0.0.9/32']]]);
    expect(daemon.requests[0]).toBe(
      `set=1\nlisten_port=4242\npublic_key=${hex(9)}\nreplace_allowed_ips=true\nallowed_ip=10.0.0.9/32\npersistent_keepalive_interval=0\n\n`,
    );
  });

  it('says when a raw request has been written, before its reply settles', async () => {
    daemon = await FakeUapiDaemon.start('wfunit1');
    const client = new UapiClient('wfunit1', daemon.dir);
    const order: string[] = [];
    await client
      .sendRaw('set=1\nlisten_port=4243\n\n', () => order.push('written'))
      .then(() => order.push('replied'));
    expect(order).toEqual(['written', 'replied']);
    expect(daemon.listenPort).toBe(4243);
  });

  it('fails with ENOENT when no daemon listens', async () => {
    await expect(new UapiClient('wfnone0', '/nonexistent-dir').get()).rejects.toMatchObject({
      code: 'ENOENT',
    });
  });
});

describe('wg CLI transport (kernel links)', () => {
  it('parses `wg show dump`', () => {
    const dump = `${b64(1)}\t${b64(5)}\t51820\toff\n${b64(2)}\t(none)\t192.0.2.2:51820\t100.96.0.2/32,10.9.0.0/24\t1700000000\t200\t100\t25\n${b64(3)}\t(none)\t(none)\t(none)\t0\t0\t0\toff\n`;
    const device = parseWgDump(dump);
    expect(device.listenPort).toBe(51820);
    expect(device.peers[0]).toMatchObject({
      publicKey: b64(2),
      allowedIps: ['10.9.0.0/24', '100.96.0.2/32'],
      persistentKeepalive: 25,
    });
    expect(device.peers[1]).toMatchObject({ publicKey: b64(3), allowedIps: [], persistentKeepalive: 0 });
    expect(device.peers[1]!.endpoint).toBeUndefined();
    expect(device.fwmark).toBeUndefined();
  });

  it('reads the fwmark of `wg show dump` (hex) and of a UAPI get (decimal; 0 is none)', () => {
    expect(parseWgDump(`${b64(1)}\t${b64(5)}\t51820\t0x5746\n`).fwmark).toBe(0x5746);
    expect(() => parseWgDump(`${b64(1)}\t${b64(5)}\t51820\t0x5746;x\n`)).toThrow(/fwmark/);
    expect(parseUapiGet('listen_port=1\nfwmark=22342\nerrno=0\n\n').fwmark).toBe(0x5746);
    expect(parseUapiGet('listen_port=1\nfwmark=0\nerrno=0\n\n').fwmark).toBeUndefined();
  });

  it('sets the fwmark through `wg set`', async () => {
    const calls: (readonly string[])[] = [];
    const run: CommandRunner = async (_file, args) => {
      calls.push(args);
      return { stdout: '', stderr: '' };
    };
    await new WgCliTransport('wg0', run).set({ fwmark: 0x5746, peers: [] });
    expect(calls).toEqual([['set', 'wg0', 'fwmark', '22342']]);
  });

  it('turns changes into one `wg set`, the private key through stdin', async () => {
    const calls: { args: readonly string[]; input: string | undefined }[] = [];
    const run: CommandRunner = async (_file, args, options) => {
      calls.push({ args, input: options?.input });
      return { stdout: '', stderr: '' };
    };
    await new WgCliTransport('wg0', run).set({
      privateKey: b64(1),
      peers: [
        { kind: 'remove', publicKey: b64(2) },
        { kind: 'update', publicKey: b64(3), allowedIps: ['10.0.0.3/32'], persistentKeepalive: 0 },
      ],
    });
    expect(calls).toEqual([
      {
        args: [
          'set',
          'wg0',
          'private-key',
          '/dev/stdin',
          'peer',
          b64(2),
          'remove',
          'peer',
          b64(3),
          'allowed-ips',
          '10.0.0.3/32',
          'persistent-keepalive',
          'off',
        ],
        input: `${b64(1)}\n`,
      },
    ]);
  });
});
