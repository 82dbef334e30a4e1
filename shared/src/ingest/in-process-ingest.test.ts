import { describe, expect, it } from 'vitest';
import { InProcessIngest } from './in-process-ingest.js';
import { ingestContractSuite } from './ingest.test-suite.js';

ingestContractSuite('InProcessIngest', async () => {
  // One object is both ends, and every "restarted" consumer reads the same queue.
  const ingest = new InProcessIngest();
  return { sink: ingest, source: () => ingest, consuming: async () => {}, cleanup: async () => {} };
});

describe('InProcessIngest', () => {
  it('lists the records no consumer has taken yet', async () => {
    const ingest = new InProcessIngest();
    const record = {
      kind: 'node.connected' as const,
      node_id: 1,
      data: {},
      ts: 1,
      gateway: 'g',
      conn_id: 'c',
    };
    await ingest.append(record);
    expect(ingest.pending()).toEqual([record]);
  });
});
