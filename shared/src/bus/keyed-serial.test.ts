import { describe, expect, it } from 'vitest';
import { KeyedSerial } from './keyed-serial.js';

describe('KeyedSerial', () => {
  it('runs one operation at a time per key, in order; other keys run meanwhile; a failure stops nothing', async () => {
    const serial = new KeyedSerial();
    const log: string[] = [];
    let release!: () => void;
    const first = serial.run('a', () =>
      new Promise<void>((resolve) => (release = resolve)).then(() => log.push('a1')),
    );
    const failing = serial.run('a', async () => {
      log.push('a2');
      throw new Error('a2 failed');
    });
    const third = serial.run('a', async () => log.push('a3'));
    await serial.run('b', async () => log.push('b1'));
    expect(log).toEqual(['b1']);
    release();
    await first;
    await expect(failing).rejects.toThrow('a2 failed');
    await third;
    expect(log).toEqual(['b1', 'a1', 'a2', 'a3']);
    await new Promise((resolve) => setImmediate(resolve));
    expect(serial.size).toBe(0);
  });
});
