import { describe, expect, it } from 'vitest';
import { OperationQueue } from './operation-queue.js';

const later = () => new Promise<void>((resolve) => setTimeout(resolve, 5));

describe('OperationQueue', () => {
  it('runs operations one at a time, in order, whether earlier ones failed or not', async () => {
    const queue = new OperationQueue();
    const log: string[] = [];
    const step = (name: string, fail = false) =>
      queue.run(async () => {
        log.push(`${name} start`);
        await later();
        log.push(`${name} end`);
        if (fail) throw new Error(name);
        return name;
      });
    const results = await Promise.allSettled([step('a'), step('b', true), step('c')]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(log).toEqual(['a start', 'a end', 'b start', 'b end', 'c start', 'c end']);
  });

  it('starts the next operation only once the work the last one deferred has settled', async () => {
    const queue = new OperationQueue();
    const log: string[] = [];
    const first = queue.run(async () => {
      queue.defer(later().then(() => log.push('deferred one')));
      queue.defer(Promise.reject(new Error('its failure is its own')));
      queue.defer(
        later()
          .then(later)
          .then(() => log.push('deferred two')),
      );
      log.push('first');
    });
    const second = queue.run(async () => log.push('second'));
    await Promise.all([first, second]);
    expect(log).toEqual(['first', 'deferred one', 'deferred two', 'second']);
  });
});
