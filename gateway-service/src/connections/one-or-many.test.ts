import { describe, expect, it } from 'vitest';
import { hasMember, memberCount, membersOf, type OneOrMany, withMember, withoutMember } from './one-or-many.js';

describe('one-or-many slots', () => {
  it('hold one value as itself and switch to a Set only for a second', () => {
    let slot: OneOrMany<string> | undefined = withMember(undefined, 'a');
    expect(slot).toBe('a');
    expect(withMember(slot, 'a')).toBe('a');
    slot = withMember(slot, 'b');
    expect(slot).toBeInstanceOf(Set);
    expect(memberCount(slot)).toBe(2);
    expect(hasMember(slot, 'b')).toBe(true);
    expect(membersOf(slot)).toEqual(['a', 'b']);
  });

  it('fall back to the single value, then to nothing, as members leave', () => {
    let slot: OneOrMany<string> | undefined = withMember(withMember(withMember(undefined, 'a'), 'b'), 'c');
    slot = withoutMember(slot, 'b');
    expect(membersOf(slot)).toEqual(['a', 'c']);
    slot = withoutMember(slot, 'a');
    expect(slot).toBe('c');
    expect(withoutMember(slot, 'x')).toBe('c');
    expect(withoutMember(slot, 'c')).toBeUndefined();
    expect(memberCount(undefined)).toBe(0);
    expect(hasMember(undefined, 'c')).toBe(false);
  });
});
