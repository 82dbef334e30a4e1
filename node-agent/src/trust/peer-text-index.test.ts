import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { indexPayload, type PayloadIndex, readByDifference } from './peer-text-index.js';

type Peer = { public_key: string; allowed_ips: string[]; endpoint?: string };

const peerArb: fc.Arbitrary<Peer> = fc.record(
  {
    public_key: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h').map((c) => c.repeat(43).concat('=')),
    allowed_ips: fc.array(fc.constantFrom('100.96.0.2/32', '100.96.0.3/32', '10.0.0.0/8'), { maxLength: 3 }),
    endpoint: fc.constantFrom('198.51.100.1:51820', 'é.example:1', 'a"b\\c', '"peers":['),
  },
  { requiredKeys: ['public_key', 'allowed_ips'] },
);

function payload(revision: number, peers: Peer[], tail: Record<string, unknown> = {}) {
  return {
    node_id: 1,
    revision,
    issued_at: '2026-12-05T00:00:00.000Z',
    interface: { address: '100.96.0.1/16', listen_port: 51820 },
    peers,
    port_forwards: [],
    masquerade: false,
    ...tail,
  };
}

const bytesOf = (value: unknown) => Buffer.from(JSON.stringify(value));

/** One edit of a peer list: what configs in a row differ by. */
const editArb = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), peer: peerArb }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), peer: peerArb }),
  fc.record({ kind: fc.constant('remove' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('swap' as const), at: fc.nat(), with: fc.nat() }),
  fc.record({ kind: fc.constant('tail' as const) }),
);

type Edit = typeof editArb extends fc.Arbitrary<infer E> ? E : never;

function applyEdit(peers: Peer[], edit: Edit): Peer[] {
  const next = peers.slice();
  if (edit.kind === 'tail') return next;
  const at = peers.length === 0 ? 0 : edit.at % peers.length;
  if (edit.kind === 'set' && next.length > 0) next[at] = edit.peer;
  else if (edit.kind === 'insert') next.splice(at, 0, edit.peer);
  else if (edit.kind === 'remove') next.splice(at, 1);
  else if (edit.kind === 'swap' && next.length > 0) {
    const other = edit.with % next.length;
    [next[at], next[other]] = [next[other]!, next[at]!];
  }
  return next;
}

describe('reading a payload by difference from the last one', () => {
  it('reads exactly what JSON.parse reads, or gives up (then the payload is parsed whole)', () => {
    fc.assert(
      fc.property(
        fc.array(peerArb, { minLength: 1, maxLength: 6 }),
        fc.array(editArb, { maxLength: 8 }),
        (start, edits) => {
          let peers = start;
          let masquerade = false;
          let index: PayloadIndex | undefined = indexPayload(bytesOf(payload(1, peers)), peers);
          expect(index).toBeDefined();
          for (const [n, edit] of edits.entries()) {
            const next = applyEdit(peers, edit);
            // A 'tail' edit changes the text after the peers.
            if (edit.kind === 'tail') masquerade = !masquerade;
            const value = payload(n + 2, next, { masquerade });
            const bytes = bytesOf(value);
            const read = index && readByDifference(index, bytes);
            if (read === undefined) {
              // Only a changed tail or an emptied list is left to the whole parse.
              expect(edit.kind === 'tail' || next.length === 0 || index === undefined).toBe(true);
              index = indexPayload(bytes, next);
            } else {
              const { start: from, deleteCount, items } = read.splice;
              const spliced = peers.slice(0, from).concat(items as Peer[], peers.slice(from + deleteCount));
              expect({ ...read.rest, peers: spliced }).toEqual(JSON.parse(bytes.toString()));
              index = read.index;
            }
            peers = next;
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a one-peer change reads that peer alone', () => {
    const peers = Array.from({ length: 100 }, (_, i) => ({
      public_key: `${String(i).padStart(43, 'k')}=`,
      allowed_ips: [`100.96.0.${i + 2}/32`],
    }));
    const index = indexPayload(bytesOf(payload(1, peers)), peers)!;
    const next = peers.slice();
    next[40] = { ...next[40]!, allowed_ips: ['100.96.0.42/32', '100.96.1.42/32'] };
    const read = readByDifference(index, bytesOf(payload(2, next)))!;
    expect(read.splice).toEqual({ start: 40, deleteCount: 1, items: [next[40]] });
    expect(read.rest.revision).toBe(2);
    expect(read.rest).not.toHaveProperty('peers');
  });

  it('indexes only text laid out as JSON.stringify lays it out, with peers at the top level', () => {
    const peers = [{ public_key: 'k', allowed_ips: [] }];
    expect(indexPayload(Buffer.from(JSON.stringify(payload(1, peers), null, 1)), peers)).toBeUndefined();
    // A nested "peers" comes first in the text: it is not the payload's peers.
    const nested = { interface: { peers: [1] }, peers };
    expect(indexPayload(bytesOf(nested), peers)).toBeUndefined();
    expect(indexPayload(bytesOf(payload(1, [])), [])).toBeUndefined();
  });
});
