import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { IngestDelivery, IngestSink, IngestSource } from './ingest.js';
import type { IngestKind, IngestRecord } from './ingest-wire.js';

/** What a test of the contract needs from one implementation. */
export interface IngestFixture {
  sink: IngestSink;
  /**
   * A consumer of what `sink` appends. Every call returns one standing for the same consumer
   * (a restarted auth-api instance): what an earlier one left unacknowledged is its to deliver.
   */
  source(): IngestSource;
  /**
   * Resolves once a consumer just started will see every record appended from then on. A Redis
   * consumer group starts at the stream's end, so records appended before it exists are not
   * its to deliver; in production the group outlives every consumer.
   */
  consuming(): Promise<void>;
  cleanup(): Promise<void>;
}

const POLL = { timeout: 5_000, interval: 10 };

let serial = 0;
function record(kind: IngestKind = 'node.connected', data: unknown = {}): IngestRecord {
  serial += 1;
  return {
    kind,
    node_id: serial,
    data,
    ts: 1_700_000_000_000 + serial,
    gateway: 'gw-1',
    conn_id: `c-${serial}`,
  };
}

type Handle = (deliveries: IngestDelivery[]) => Promise<void>;

/**
 * The behaviour every IngestSink/IngestSource pair must show: what the sink appends reaches
 * the source's `handle` unchanged and in order, one call at a time, and a record is only gone
 * once a `handle` call with it resolved (at least once, also across a consumer restart).
 */
export function ingestContractSuite(name: string, makeFixture: () => Promise<IngestFixture>): void {
  describe(`${name} satisfies the IngestSink/IngestSource contract`, () => {
    let fixture: IngestFixture;
    const running: Array<{ stop(): Promise<void> }> = [];

    beforeEach(async () => {
      fixture = await makeFixture();
    });
    afterEach(async () => {
      for (const consumer of running.splice(0)) await consumer.stop();
      await fixture.cleanup();
    });

    const start = async (handle: Handle) => {
      const consumer = fixture.source().consume(handle);
      running.push(consumer);
      await fixture.consuming();
      return consumer;
    };
    const collecting = async () => {
      const received: IngestDelivery[] = [];
      const consumer = await start(async (deliveries) => {
        received.push(...deliveries);
      });
      return { received, consumer, records: () => received.map((delivery) => delivery.record) };
    };

    it('hands over every appended record unchanged, in append order, each once', async () => {
      const { received, records } = await collecting();
      const status = { applied_revision: 3, peers: [{ public_key: 'k', rx_bytes: 1 }], drift: false };
      const appended = [
        { ...record('node.status', status), offset: '1732334000123456-7' },
        ...Array.from({ length: 249 }, (_, i) => record(i % 2 ? 'node.connected' : 'node.disconnected')),
      ];
      for (const item of appended) await fixture.sink.append(item);
      await expect.poll(() => received.length, POLL).toBe(appended.length);
      expect(records()).toEqual(appended);
      expect(new Set(received.map((delivery) => delivery.id)).size).toBe(appended.length);
    });

    it('calls handle once at a time, even while records keep arriving', async () => {
      let active = 0;
      let most = 0;
      let seen = 0;
      await start(async (deliveries) => {
        active += 1;
        most = Math.max(most, active);
        await new Promise((resolve) => setTimeout(resolve, 5));
        seen += deliveries.length;
        active -= 1;
      });
      await Promise.all(Array.from({ length: 60 }, () => fixture.sink.append(record())));
      await expect.poll(() => seen, POLL).toBe(60);
      expect(most).toBe(1);
    });

    it('hands a rejected batch over again, unchanged and before anything appended later', async () => {
      const calls: IngestDelivery[][] = [];
      await start(async (deliveries) => {
        calls.push(deliveries);
        if (calls.length === 1) throw new Error('database down');
      });
      const first = record();
      await fixture.sink.append(first);
      await expect.poll(() => calls.length, POLL).toBe(1);
      const later = record();
      await fixture.sink.append(later);
      await expect
        .poll(() => calls.flat().filter((d) => d.record.node_id === later.node_id).length, POLL)
        .toBe(1);
      // The retry starts with the failed batch (it may carry later records after it).
      expect(calls[1]!.slice(0, calls[0]!.length)).toEqual(calls[0]);
      expect(calls[0]!.map((delivery) => delivery.record)).toEqual([first]);
      expect(calls.flat().map((delivery) => delivery.record)).toEqual([first, first, later]);
    });

    it('keeps a batch whose handle is still running when stopped until it resolved, then stops', async () => {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const handled: IngestRecord[] = [];
      let entered = false;
      const consumer = await start(async (deliveries) => {
        entered = true;
        await gate;
        handled.push(...deliveries.map((delivery) => delivery.record));
      });
      const item = record();
      await fixture.sink.append(item);
      await expect.poll(() => entered, POLL).toBe(true);
      const stopping = consumer.stop();
      let stopped = false;
      void stopping.then(() => {
        stopped = true;
      });
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(stopped).toBe(false);
      release();
      await stopping;
      expect(handled).toEqual([item]);
      // Acknowledged: the next consumer does not get it again.
      const next = await collecting();
      const after = record();
      await fixture.sink.append(after);
      await expect.poll(next.records, POLL).toEqual([after]);
    });

    it('delivers to the next consumer what the last one failed on or never saw', async () => {
      let failures = 0;
      const failing = await start(async () => {
        failures += 1;
        throw new Error('database down');
      });
      const failed = record();
      await fixture.sink.append(failed);
      await expect.poll(() => failures, POLL).toBeGreaterThanOrEqual(1);
      await failing.stop();
      const whileStopped = record();
      await fixture.sink.append(whileStopped);
      const next = await collecting();
      await expect.poll(next.records, POLL).toEqual([failed, whileStopped]);
    });

    it('stops promptly when idle, and calls handle no more after stop resolved', async () => {
      const { consumer, received } = await collecting();
      await new Promise((resolve) => setTimeout(resolve, 50));
      const started = Date.now();
      await consumer.stop();
      expect(Date.now() - started).toBeLessThan(1_000);
      await fixture.sink.append(record());
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(received).toEqual([]);
    });
  });
}
