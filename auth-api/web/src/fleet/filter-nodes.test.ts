import { describe, expect, it } from 'vitest';
import { node } from '../testing/fixtures.js';
import { countNodes, EMPTY_FILTER, facets, filterNodes, isBehind } from './filter-nodes.js';

const fleet = [
  node(1, { name: 'web-10', region: 'eu', tags: ['web'] }),
  node(2, { name: 'web-2', region: 'us', online: false, tags: ['web', 'edge'] }),
  node(3, { name: 'db-1', region: 'eu', applied_revision: 1, desired_revision: 4 }),
  node(4, { name: 'gw', region: 'us', last_error: 'nft failed', endpoint: 'gw.example.net:51820', drift: true }),
];
const names = (filter: Partial<typeof EMPTY_FILTER>) => filterNodes(fleet, { ...EMPTY_FILTER, ...filter }).map((n) => n.name);

describe('filterNodes', () => {
  it('sorts by name with numbers in numeric order', () => {
    expect(names({})).toEqual(['db-1', 'gw', 'web-2', 'web-10']);
  });

  it('filters by region, tag and each state', () => {
    expect(names({ region: 'eu' })).toEqual(['db-1', 'web-10']);
    expect(names({ tag: 'edge' })).toEqual(['web-2']);
    expect(names({ state: 'offline' })).toEqual(['web-2']);
    expect(names({ state: 'online' })).toEqual(['db-1', 'gw', 'web-10']);
    expect(names({ state: 'behind' })).toEqual(['db-1']);
    expect(names({ state: 'error' })).toEqual(['gw']);
    expect(names({ state: 'drift' })).toEqual(['gw']);
  });

  it('searches name, tunnel IP, endpoint and tags, ignoring case', () => {
    expect(names({ text: 'WEB' })).toEqual(['web-2', 'web-10']);
    expect(names({ text: 'example.net' })).toEqual(['gw']);
    expect(names({ text: fleet[2]!.tunnel_ip })).toEqual(['db-1']);
    expect(names({ text: 'edge', region: 'eu' })).toEqual([]);
  });
});

describe('fleet figures', () => {
  it('a node that never applied anything is behind', () => {
    expect(isBehind(node(9, { applied_revision: null, desired_revision: 1 }))).toBe(true);
    expect(isBehind(node(9, { applied_revision: 5, desired_revision: 5 }))).toBe(false);
  });

  it('counts and facets', () => {
    expect(countNodes(fleet)).toEqual({ total: 4, online: 3, behind: 1, errors: 1 });
    expect(facets(fleet)).toEqual({ regions: ['eu', 'us'], tags: ['edge', 'web'] });
  });
});
