import { describe, expect, it } from 'vitest';
import { event } from '../testing/fixtures.js';
import { fleetChange } from './fleet-events.js';

describe('fleetChange: a fleet room event → the change to the table', () => {
  it('node.status patches applied revision, drift, peer count, online and last seen', () => {
    const ts = Date.parse('2026-02-03T04:05:06.000Z');
    expect(fleetChange(event('fleet', 'node.status', { node_id: 7, applied_revision: 9, drift: true, peers: 4, online: true }, ts))).toEqual({
      kind: 'patch',
      nodeId: 7,
      patch: { online: true, last_seen_at: '2026-02-03T04:05:06.000Z', applied_revision: 9, drift: true, peer_count: 4 },
    });
  });

  it('online/offline flip the state; deleted removes; enrolled and a good apply re-read the node', () => {
    expect(fleetChange(event('fleet', 'node.offline', { node_id: 2, reason: 'disconnected' }))).toMatchObject({ kind: 'patch', patch: { online: false } });
    expect(fleetChange(event('fleet', 'node.online', { node_id: 2 }))).toMatchObject({ kind: 'patch', patch: { online: true } });
    expect(fleetChange(event('fleet', 'node.deleted', { node_id: 2, name: 'x' }))).toEqual({ kind: 'remove', nodeId: 2 });
    expect(fleetChange(event('fleet', 'node.enrolled', { node_id: 5 }))).toEqual({ kind: 'reload', nodeId: 5 });
    expect(fleetChange(event('fleet', 'node.config_applied', { node_id: 5, revision: 4, ok: true }))).toEqual({ kind: 'reload', nodeId: 5 });
    expect(fleetChange(event('fleet', 'node.config_changed', { node_id: 5, desired_revision: 6 }))).toEqual({
      kind: 'patch',
      nodeId: 5,
      patch: { desired_revision: 6 },
    });
  });

  it('a failed apply sets the error the node reported', () => {
    expect(fleetChange(event('fleet', 'node.config_applied', { node_id: 5, revision: 4, ok: false, error: 'nft: syntax error' }))).toEqual({
      kind: 'patch',
      nodeId: 5,
      patch: { last_error: 'nft: syntax error' },
    });
  });

  it('command.updated is handed to command listeners; unknown events and payloads change nothing', () => {
    expect(fleetChange(event('fleet', 'command.updated', { id: 'c-1', node_id: 3, status: 'succeeded' }))).toEqual({
      kind: 'command',
      commandId: 'c-1',
      nodeId: 3,
      status: 'succeeded',
    });
    expect(fleetChange(event('fleet', 'node.renamed', { node_id: 3 }))).toEqual({ kind: 'none' });
    expect(fleetChange(event('fleet', 'node.status', { nope: true }))).toEqual({ kind: 'none' });
  });
});
