import { describe, expect, it } from 'vitest';
import { NODE_PUBLISHABLE_EVENTS } from '../protocol/rooms.js';
import {
  decodeIngestEntry,
  decodeIngestRecord,
  encodeIngestEntry,
  INGEST_KIND_OF_NODE_EVENT,
  INGEST_KINDS,
  type IngestRecord,
} from './ingest-wire.js';

const record: IngestRecord = {
  kind: 'node.status',
  node_id: 7,
  data: { applied_revision: 3, peers: [], state_digest: 'd', drift: false },
  ts: 1_732_334_000_123,
  gateway: 'gw-1',
  conn_id: 'c-1',
  offset: '1732334000123456-4',
};

describe('the ingest wire format', () => {
  it('decodes what it encodes, field for field', () => {
    expect(decodeIngestEntry(encodeIngestEntry(record))).toEqual({ record });
    const connected: IngestRecord = { ...record, kind: 'node.connected', data: { ip: '192.0.2.1' } };
    delete connected.offset;
    expect(decodeIngestEntry(encodeIngestEntry(connected))).toEqual({ record: connected });
  });

  it('finds the record among other fields of the entry', () => {
    expect(decodeIngestEntry(['x', 'y', ...encodeIngestEntry(record)])).toEqual({ record });
  });

  it('says why an entry holds no record', () => {
    expect(decodeIngestEntry(null)).toEqual({ reason: 'trimmed' });
    expect(decodeIngestEntry(['x', 'y'])).toEqual({ reason: 'no r field' });
    expect(decodeIngestEntry(['r', '{not json'])).toEqual({ reason: 'not JSON' });
  });

  it.each([
    ['an unknown kind', { kind: 'node.bogus' }, 'kind'],
    ['a node id that is no positive integer', { node_id: 0 }, 'node_id'],
    ['a fractional node id', { node_id: 1.5 }, 'node_id'],
    ['a negative timestamp', { ts: -1 }, 'ts'],
    ['an empty connection id', { conn_id: '' }, 'conn_id'],
    ['an oversized gateway name', { gateway: 'g'.repeat(257) }, 'gateway'],
    ['an oversized offset', { offset: '1'.repeat(65) }, 'offset'],
  ])('refuses a record with %s', (_name, change, path) => {
    const decoded = decodeIngestRecord(JSON.stringify({ ...record, ...change }));
    expect(decoded).toEqual({ reason: expect.stringMatching(new RegExp(`^invalid record: ${path} `)) });
  });

  it('maps every event a node may publish to a record kind', () => {
    for (const event of NODE_PUBLISHABLE_EVENTS)
      expect(INGEST_KINDS).toContain(INGEST_KIND_OF_NODE_EVENT[event]);
  });
});
