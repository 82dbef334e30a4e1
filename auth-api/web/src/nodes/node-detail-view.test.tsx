import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { ServicesContext } from '../app/services.js';
import { fakeServices } from '../testing/fake-services.js';
import { event, node, scriptedHttp } from '../testing/fixtures.js';
import { NodeDetailView } from './node-detail-view.js';

const forward = { id: 11, node_id: 1, protocol: 'tcp', public_port: 8080, target_ip: '100.96.0.3', target_port: 80, description: 'web', enabled: true, created_at: '', updated_at: '' };

async function mount(canWrite: boolean, extra: Record<string, unknown> = {}) {
  const nodes = [node(1, { name: 'alpha', ...extra, peers: [{ public_key: node(2).wg_public_key, rx_bytes: 2048, tx_bytes: 10, latest_handshake: Math.floor(Date.now() / 1000) - 30 }] }), node(2, { name: 'beta' })];
  const { http } = scriptedHttp(({ url }) => {
    if (url.startsWith('/v1/nodes?')) return { status: 200, body: { items: nodes } };
    if (url === '/v1/nodes/1') return { status: 200, body: nodes[0] };
    if (url === '/v1/nodes/1/port-forwards') return { status: 200, body: { items: [forward] } };
    if (url.startsWith('/v1/devices')) return { status: 200, body: { items: [] } };
    if (url.startsWith('/v1/nodes/1/commands')) return { status: 200, body: { items: [] } };
    return { status: 404, body: { code: 'not_found' } };
  });
  const services = await fakeServices(http);
  const root = document.createElement('div');
  document.body.append(root);
  await act(() => {
    render(
      <ServicesContext.Provider value={services}>
        <NodeDetailView nodeId={1} canWrite={canWrite} />
      </ServicesContext.Provider>,
      root,
    );
  });
  await act(() => new Promise<void>((resolve) => setTimeout(resolve, 50)));
  return { root, services };
}

const buttons = (root: HTMLElement) => [...root.querySelectorAll('button')].map((button) => button.textContent!.trim());

afterEach(() => {
  document.body.innerHTML = '';
});

describe('the node page', () => {
  it('for an operator: peers with handshake age, forwards with their state, and every write action', async () => {
    const { root } = await mount(true);
    expect(root.querySelector('h1')!.textContent).toBe('alpha');
    const peers = root.querySelector('#peers-title')!.parentElement!.textContent!;
    expect(peers).toContain('beta');
    expect(peers).toMatch(/3\d s ago/);
    expect(peers).toContain('2.0 KiB');
    expect(root.querySelector('[data-forward-id="11"]')!.textContent).toContain('applied');
    expect(buttons(root)).toEqual(expect.arrayContaining(['Delete node', 'New port forward', 'Disable', 'Delete', 'New device', 'Run', 'Save settings']));
  });

  it('for a viewer: the same facts, and no button that writes', async () => {
    const { root } = await mount(false);
    expect(root.querySelector('[data-forward-id="11"]')).not.toBeNull();
    expect(buttons(root)).toEqual([]);
    expect(root.querySelector('form')).toBeNull();
  });

  it('follows the node’s room: a new desired revision makes the forward pending, the status that applies it makes it applied', async () => {
    const { root, services } = await mount(true);
    services.client.deliver(event('node:1', 'config.changed', { revision: 4 }));
    await act(() => new Promise<void>((resolve) => setTimeout(resolve, 150)));
    expect(root.querySelector('[data-forward-id="11"]')!.textContent).toContain('pending');
    expect(root.querySelector('[data-testid="node-revision"]')!.textContent).toContain('3 / 4');
    services.client.deliver(event('node:1', 'status', { applied_revision: 4, peers: [], state_digest: 'd', drift: false }));
    await act(() => new Promise<void>((resolve) => setTimeout(resolve, 150)));
    expect(root.querySelector('[data-forward-id="11"]')!.textContent).toContain('applied');
  });

  it("shows the agent's version and its last self-update", async () => {
    const { root } = await mount(false, {
      agent_version: '0.1.0',
      agent_update: { state: 'rolled_back', version: '0.3.0', error: 'did not confirm', at: '2026-12-05T23:00:00.000Z' },
    });
    expect(root.textContent).toContain('0.1.0');
    const update = root.querySelector('[data-testid="node-agent-update"]')!;
    expect(update.textContent).toBe('rolled back 0.3.0 — did not confirm');
    expect(update.querySelector('.badge-warn')).not.toBeNull();
  });
});
