import { nodeRevocation, REVOCATION_TTL_MS, sessionRevocation, userRevocation } from '@wirefleet/shared/revocations';
import { describe, expect, it } from 'vitest';
import { RevocationList } from './revocation-list.js';

const NOW = 1_760_000_000_000;
const NOW_S = NOW / 1000;
const token = (claims: Partial<{ sub: string; sid: string; iat: number }> = {}) => ({
  sub: 'user:7',
  sid: 'family-a',
  iat: NOW_S - 60,
  ...claims,
});

describe('RevocationList', () => {
  it('refuses nothing while empty', () => {
    expect(new RevocationList().refuses(token())).toBe(false);
  });

  it('refuses every token of a revoked session, and only of that session', () => {
    const list = new RevocationList();
    list.add(sessionRevocation('family-a', NOW));
    expect(list.refuses(token())).toBe(true);
    expect(list.refuses(token({ iat: NOW_S + 5 }))).toBe(true);
    expect(list.refuses(token({ sid: 'family-b' }))).toBe(false);
  });

  it('refuses a user token issued before the user was revoked, not one issued from that second on', () => {
    const list = new RevocationList();
    list.add(userRevocation(7, NOW + 400));
    expect(list.refuses(token({ sid: 'other', iat: NOW_S - 1 }))).toBe(true);
    expect(list.refuses(token({ sid: 'other', iat: NOW_S }))).toBe(false);
    expect(list.refuses(token({ sid: 'other', iat: NOW_S + 60 }))).toBe(false);
    expect(list.refuses(token({ sub: 'user:8', sid: 'other', iat: NOW_S - 1 }))).toBe(false);
  });

  it('keeps the later not-before when a user is revoked twice, whatever the order of arrival', () => {
    const list = new RevocationList();
    list.add(userRevocation(7, NOW + 60_000));
    list.add(userRevocation(7, NOW));
    expect(list.refuses(token({ sid: 'other', iat: NOW_S + 30 }))).toBe(true);
    expect(list.refuses(token({ sid: 'other', iat: NOW_S + 60 }))).toBe(false);
  });

  it('refuses every token of a deleted node, even one issued afterwards', () => {
    const list = new RevocationList();
    list.add(nodeRevocation(42, NOW));
    expect(list.refuses({ sub: 'node:42', sid: 'cred', iat: NOW_S + 10 })).toBe(true);
    expect(list.refuses({ sub: 'node:43', sid: 'cred', iat: NOW_S })).toBe(false);
  });

  it('drops entries once the longest token lifetime plus skew has passed', () => {
    const list = new RevocationList();
    list.add(sessionRevocation('family-a', NOW));
    list.add(userRevocation(7, NOW));
    list.add(nodeRevocation(42, NOW + 1_000));
    expect(REVOCATION_TTL_MS).toBe((15 * 60 + 30) * 1000);
    expect(list.prune(NOW + REVOCATION_TTL_MS - 1)).toBe(3);
    expect(list.prune(NOW + REVOCATION_TTL_MS)).toBe(1);
    expect(list.refuses(token())).toBe(false);
    expect(list.prune(NOW + 1_000 + REVOCATION_TTL_MS)).toBe(0);
  });
});
