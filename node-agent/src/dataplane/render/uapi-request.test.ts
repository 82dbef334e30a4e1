import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arb, countOf } from './arbitraries.test-suite.js';
import { renderUapiSet, type UapiPeerChange } from './uapi-request.js';

const KEY_A = Buffer.alloc(32, 0xaa).toString('base64');
const KEY_B = Buffer.alloc(32, 0x0b).toString('base64');
const KEY_C = Buffer.alloc(32, 0xc0).toString('base64');
const PRIVATE = Buffer.alloc(32, 0x11).toString('base64');

const GOLDEN = `set=1
private_key=${'11'.repeat(32)}
listen_port=51820
public_key=${'aa'.repeat(32)}
remove=true
public_key=${'0b'.repeat(32)}
replace_allowed_ips=true
allowed_ip=100.96.0.2/32
allowed_ip=fd00::/64
endpoint=[2001:db8::1]:51820
persistent_keepalive_interval=25
public_key=${'c0'.repeat(32)}
endpoint=192.0.2.7:4500

`;

describe('renderUapiSet', () => {
  it('renders the golden request: hex keys, only the fields given', () => {
    const request = renderUapiSet({
      privateKey: PRIVATE,
      listenPort: 51820,
      peers: [
        { kind: 'remove', publicKey: KEY_A },
        {
          kind: 'add',
          publicKey: KEY_B,
          allowedIps: ['100.96.0.2/32', 'FD00::1/64'],
          endpoint: '[2001:DB8:0::1]:51820',
          persistentKeepalive: 25,
        },
        { kind: 'update', publicKey: KEY_C, endpoint: '192.0.2.7:4500' },
      ],
    });
    expect(request).toBe(GOLDEN);
  });

  it('sets the fwmark as a decimal device field, and refuses one outside 32 bits', () => {
    expect(renderUapiSet({ fwmark: 0x5746, peers: [] })).toBe('set=1\nfwmark=22342\n\n');
    expect(() => renderUapiSet({ fwmark: 2 ** 32, peers: [] })).toThrow(/fwmark/);
    expect(() => renderUapiSet({ fwmark: -1, peers: [] })).toThrow(/fwmark/);
  });

  it('adds keepalive 0 explicitly for a new peer without one', () => {
    expect(renderUapiSet({ peers: [{ kind: 'add', publicKey: KEY_B, allowedIps: [] }] })).toBe(
      `set=1\npublic_key=${'0b'.repeat(32)}\nreplace_allowed_ips=true\npersistent_keepalive_interval=0\n\n`,
    );
  });

  it.each([
    ['a short key', { kind: 'remove', publicKey: 'AAAA' }],
    ['a non-canonical key', { kind: 'remove', publicKey: `${KEY_A.slice(0, 42)}B=` }],
    ['a key with a newline', { kind: 'remove', publicKey: `${KEY_A}\nremove=true` }],
    [
      'an allowed IP with a newline',
      { kind: 'update', publicKey: KEY_A, allowedIps: ['10.0.0.1/32\nallowed_ip=0.0.0.0/0'] },
    ],
    ['a hostname endpoint', { kind: 'update', publicKey: KEY_A, endpoint: 'example.com:51820' }],
    ['keepalive 65536', { kind: 'update', publicKey: KEY_A, persistentKeepalive: 65536 }],
  ])('throws on %s', (_label, peer) => {
    expect(() => renderUapiSet({ peers: [peer as UapiPeerChange] })).toThrow();
  });

  it('throws when one key appears twice', () => {
    expect(() =>
      renderUapiSet({
        peers: [
          { kind: 'remove', publicKey: KEY_A },
          { kind: 'update', publicKey: KEY_A, persistentKeepalive: 1 },
        ],
      }),
    ).toThrow(/twice/);
  });

  it('either throws or renders exactly one line per field, whatever the fields hold', () => {
    const peer = fc.oneof(
      fc.record({ kind: fc.constant('remove' as const), publicKey: arb.key }),
      fc.record(
        {
          kind: fc.constantFrom('add' as const, 'update' as const),
          publicKey: arb.key,
          allowedIps: fc.array(arb.cidr, { maxLength: 4 }),
          endpoint: arb.endpoint,
          persistentKeepalive: arb.keepalive,
        },
        { requiredKeys: ['kind', 'publicKey'] },
      ),
    );
    const changes = fc.record(
      { privateKey: arb.key, listenPort: arb.port, peers: fc.array(peer, { maxLength: 5 }) },
      { requiredKeys: ['peers'] },
    );
    fc.assert(
      fc.property(changes, (input) => {
        let request: string;
        try {
          request = renderUapiSet(input as Parameters<typeof renderUapiSet>[0]);
        } catch (error) {
          expect(error).toBeInstanceOf(Error);
          return;
        }
        let expected =
          1 + (input.privateKey !== undefined ? 1 : 0) + (input.listenPort !== undefined ? 1 : 0);
        for (const p of input.peers) {
          if (p.kind === 'remove') expected += 2;
          else {
            const allowed = p.allowedIps ?? (p.kind === 'add' ? [] : undefined);
            expected +=
              1 + (allowed !== undefined ? 1 + allowed.length : 0) + (p.endpoint !== undefined ? 1 : 0);
            expected += p.persistentKeepalive !== undefined || p.kind === 'add' ? 1 : 0;
          }
        }
        expect(request.endsWith('\n\n')).toBe(true);
        const lines = request.slice(0, -2).split('\n');
        expect(lines).toHaveLength(expected);
        expect(countOf(request, '\n')).toBe(expected + 1);
        for (const line of lines) {
          expect(line).toMatch(
            /^(set=1|private_key=[0-9a-f]{64}|listen_port=\d{1,5}|public_key=[0-9a-f]{64}|remove=true|replace_allowed_ips=true|allowed_ip=[0-9a-f.:]+\/\d{1,3}|endpoint=([\d.]+|\[[0-9a-f:]+\]):\d{1,5}|persistent_keepalive_interval=\d{1,5})$/,
          );
        }
      }),
      { numRuns: 500 },
    );
  });
});
