import { ingestStreamKey } from '@wirefleet/shared/ingest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRealtimeStack, type RealtimeStack } from '../../../test/support/realtime-stack.js';
import { connect } from '../../../test/support/ws-client.js';

interface StreamRecord {
  kind: string;
  node_id: number;
  data: Record<string, unknown>;
  gateway: string;
  offset?: string;
}

describe('node telemetry reaches the ingest stream', () => {
  let stack: RealtimeStack;
  beforeAll(async () => {
    stack = await startRealtimeStack({ instances: 1, gatewayEnv: { GATEWAY_MAX_CONNECTIONS_PER_USER: '2' } });
  });
  afterAll(async () => {
    await stack.close();
  });

  const records = async (): Promise<StreamRecord[]> => {
    const entries = await stack.auth.redis!.client.xrange(ingestStreamKey(stack.auth.redis!.prefix), '-', '+');
    return entries.map(([, fields]) => JSON.parse(fields[1]!) as StreamRecord);
  };

  it('records connect, each node event (with its room offset) and disconnect, in order', async () => {
    const node = await connect(stack.gateways[0]!.url, stack.nodeToken(31));
    await node.next((frame) => frame.type === 'welcome');
    const status = { applied_revision: 3, peers: [{ public_key: 'k', rx_bytes: 1, tx_bytes: 2 }], state_digest: 'abc', drift: false };
    node.send({ type: 'publish', room: 'node:31', event: 'status', data: status, id: 'a' });
    node.send({ type: 'publish', room: 'node:31', event: 'config.applied', data: { revision: 3, ok: true }, id: 'b' });
    node.send({ type: 'publish', room: 'node:31', event: 'command.result', data: { command_id: 'c1', ok: true, output: 'pong' }, id: 'c' });
    await node.next((frame) => (frame as { id?: string }).id === 'c');
    node.close();
    await expect.poll(async () => (await records()).filter((r) => r.node_id === 31).map((r) => r.kind)).toEqual([
      'node.connected',
      'node.status',
      'node.config_applied',
      'node.command_result',
      'node.disconnected',
    ]);
    const statusRecord = (await records()).find((r) => r.kind === 'node.status')!;
    expect(statusRecord).toMatchObject({ node_id: 31, data: status, gateway: 'gw-test-0', offset: expect.stringMatching(/^\d+-\d+$/) });
  });

  it('caps connections per user: the third concurrent one is refused with 429 before the upgrade', async () => {
    const token = await stack.adminToken();
    const first = await connect(stack.gateways[0]!.url, token);
    const second = await connect(stack.gateways[0]!.url, token);
    await expect(connect(stack.gateways[0]!.url, token)).rejects.toMatchObject({ status: 429 });
    first.close();
    second.close();
  });

  it('draining closes every connection with 1001 and refuses new upgrades', async () => {
    const extra = await startRealtimeStack({ instances: 1 });
    try {
      const socket = await connect(extra.gateways[0]!.url, await extra.adminToken());
      await socket.next((frame) => frame.type === 'welcome');
      const closing = extra.gateways[0]!.gateway.drain();
      expect((await socket.closed).code).toBe(1001);
      await closing;
    } finally {
      await extra.close();
    }
  });
});
