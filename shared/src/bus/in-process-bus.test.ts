import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { type BusEvent, compareOffsets, parseOffset } from './bus.js';
import { busContractSuite } from './bus.test-suite.js';
import { InProcessBus } from './in-process-bus.js';

const silent = pino({ level: 'silent' });

busContractSuite('InProcessBus', async () => {
  const bus = new InProcessBus({ historySize: 50, logger: silent });
  return { bus, historySize: 50, cleanup: () => bus.close() };
});

describe('offsets', () => {
  it('parse only what a Bus issues', () => {
    expect(parseOffset('1732334000123456-42')).toEqual({ epoch: '1732334000123456', seq: 42 });
    expect(parseOffset('0-0')).toEqual({ epoch: '0', seq: 0 });
    for (const bad of [
      '',
      '1',
      '1-',
      '-1',
      '01-1',
      '1-01',
      '1-2-3',
      ' 1-1',
      '1-1e3',
      '1-99999999999999999',
    ]) {
      expect(parseOffset(bad), bad).toBeUndefined();
    }
  });

  it('compare by epoch numerically, then by sequence', () => {
    expect(compareOffsets('5-2', '5-10')).toBeLessThan(0);
    expect(compareOffsets('5-10', '5-2')).toBeGreaterThan(0);
    expect(compareOffsets('5-7', '5-7')).toBe(0);
    expect(compareOffsets('9-100', '10-1')).toBeLessThan(0);
    expect(compareOffsets('1732334000123457-1', '1732334000123456-9')).toBeGreaterThan(0);
    expect(() => compareOffsets('5-1', 'nope')).toThrow(TypeError);
  });
});

describe('InProcessBus', () => {
  it('starts a new epoch per instance, so a restart answers recovered:false', async () => {
    const before = new InProcessBus({ logger: silent });
    const seen = await before.publish('user:7', 'session.revoked', { sessionId: 's' });
    const after = new InProcessBus({ logger: silent });
    await after.publish('user:7', 'session.revoked', { sessionId: 't' });
    const result = await after.history('user:7', seen.offset);
    expect(result.recovered).toBe(false);
    expect(compareOffsets(seen.offset, result.offset)).toBeLessThan(0);
  });

  it('delivers synchronously, and an event published by a listener does not overtake the one it handles', async () => {
    const bus = new InProcessBus({ logger: silent });
    const order: string[] = [];
    await bus.subscribe('r', (e: BusEvent) => {
      order.push(`first:${e.event}`);
      if (e.event === 'a') void bus.publish('r', 'b', null);
    });
    await bus.subscribe('r', (e: BusEvent) => order.push(`second:${e.event}`));
    const publishing = bus.publish('r', 'a', null);
    expect(order).toEqual(['first:a', 'second:a', 'first:b', 'second:b']);
    await publishing;
  });

  it('logs a listener that throws', async () => {
    const lines: Array<{ msg: string; room: string }> = [];
    const logger = pino({ level: 'error' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const bus = new InProcessBus({ logger });
    await bus.subscribe('r', () => {
      throw new Error('boom');
    });
    await bus.publish('r', 'a', 1);
    expect(lines).toMatchObject([{ msg: 'bus listener threw', room: 'r' }]);
  });

  it('does not share payload objects with the publisher', async () => {
    const bus = new InProcessBus({ logger: silent });
    const payload = { list: [1] };
    const seen: BusEvent[] = [];
    await bus.subscribe('r', (e) => seen.push(e));
    await bus.publish('r', 'a', payload);
    payload.list.push(2);
    expect(seen[0]!.data).toEqual({ list: [1] });
  });

  it('rejects a history size that is not a positive integer', () => {
    expect(() => new InProcessBus({ historySize: 0 })).toThrow(RangeError);
  });
});
