import { describe, expect, it } from 'vitest';
import { routeProblems } from './route-check.js';

const NETWORK = '100.96.0.0/16';
const messages = (routes: string[], exitNode = false, others: Parameters<typeof routeProblems>[3] = []) =>
  routeProblems(routes, exitNode, NETWORK, others).map((problem) => `${problem.path}: ${problem.message}`);

describe('routeProblems', () => {
  it('accepts ordinary subnet routes', () => {
    expect(messages(['10.1.0.0/16', '192.168.7.0/24', '11.0.0.0/9'])).toEqual([]);
    expect(messages(['11.0.0.0/8'])).toEqual([]);
  });

  it.each([
    ['0.0.0.0/0', 'exit node'],
    ['128.0.0.0/1', 'exit node'],
    ['8.0.0.0/7', 'exit node'],
    ['100.96.0.0/16', 'tunnel network'],
    ['100.96.3.7/32', 'tunnel network'],
    ['100.0.0.0/8', 'tunnel network'],
    ['2001:db8::/32', 'IPv6'],
  ])('refuses %s on an ordinary node (%s)', (route, why) => {
    expect(messages([route])).toEqual([expect.stringMatching(new RegExp(`^routes\\.0: .*${why}`))]);
  });

  it('refuses routes that together cover more than a /8, and overlaps within one request', () => {
    expect(messages(['11.0.0.0/8', '12.0.0.0/9'])).toEqual([expect.stringMatching(/^routes\.1: .*more than a \/8/)]);
    expect(messages(['10.0.0.0/16', '10.0.1.0/24'])).toEqual(['routes.1: overlaps routes.0']);
  });

  it("refuses overlaps with another node's route, except inside an exit node's wide route", () => {
    const others = [
      { nodeId: 2, route: '10.1.0.0/16', exitNode: false },
      { nodeId: 3, route: '0.0.0.0/0', exitNode: true },
    ];
    expect(messages(['10.1.2.0/24'], false, others)).toEqual(['routes.0: overlaps 10.1.0.0/16, a route of node 2']);
    expect(messages(['10.0.0.0/8'], false, others)).toEqual(['routes.0: overlaps 10.1.0.0/16, a route of node 2']);
    expect(messages(['172.16.0.0/12'], false, others)).toEqual([]);
    expect(messages(['0.0.0.0/0'], true, others)).toEqual(['routes.0: overlaps 0.0.0.0/0, a route of node 3']);
    expect(messages(['0.0.0.0/1', '128.0.0.0/1'], true, [others[0]!])).toEqual([]);
  });
});
