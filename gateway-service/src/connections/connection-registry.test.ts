import { describe, expect, it } from 'vitest';
import type { Connection } from './connection.js';
import { ConnectionRegistry } from './connection-registry.js';

const connection = (id: string, sub: string, sid: string) => ({ id, sub, sid }) as unknown as Connection;

describe('ConnectionRegistry', () => {
  it('indexes by subject and session through one, several and back to one connection', () => {
    const registry = new ConnectionRegistry();
    const a = connection('a', 'user:1', 's1');
    const b = connection('b', 'user:1', 's2');
    const c = connection('c', 'user:1', 's1');
    registry.add(a);
    expect(registry.ofSubject('user:1')).toEqual([a]);
    registry.add(b);
    registry.add(c);
    expect(registry.countOfSubject('user:1')).toBe(3);
    expect(registry.ofSession('s1').map((x) => x.id).sort()).toEqual(['a', 'c']);
    registry.remove(a);
    expect(registry.ofSession('s1')).toEqual([c]);
    registry.changeSid(c, 's2');
    expect(registry.ofSession('s1')).toEqual([]);
    expect(registry.ofSession('s2').map((x) => x.id).sort()).toEqual(['b', 'c']);
    registry.remove(b);
    registry.remove(c);
    expect(registry.countOfSubject('user:1')).toBe(0);
    expect(registry.size).toBe(0);
  });
});
