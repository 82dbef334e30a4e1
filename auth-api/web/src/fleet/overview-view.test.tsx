import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { ServicesContext } from '../app/services.js';
import { fakeServices } from '../testing/fake-services.js';
import { event, node, scriptedHttp } from '../testing/fixtures.js';
import { OverviewView } from './overview-view.js';

const THOUSAND = Array.from({ length: 1000 }, (_, i) => node(i + 1, { region: i % 2 ? 'us' : 'eu', online: i % 10 !== 0 }));

async function mount(nodes = THOUSAND) {
  const { http } = scriptedHttp(({ url }) => {
    if (url.startsWith('/v1/nodes?')) return { status: 200, body: { items: nodes } };
    const id = Number(/\/v1\/nodes\/(\d+)/.exec(url)?.[1]);
    return { status: 200, body: nodes.find((n) => n.id === id) ?? node(id) };
  });
  const services = await fakeServices(http);
  const root = document.createElement('div');
  document.body.append(root);
  await act(() => {
    render(
      <ServicesContext.Provider value={services}>
        <OverviewView />
      </ServicesContext.Provider>,
      root,
    );
  });
  return { root, services };
}

const rows = (root: HTMLElement) => root.querySelectorAll('tbody tr[data-node-id]');
const wait = (ms: number) => act(() => new Promise<void>((resolve) => setTimeout(resolve, ms)));

afterEach(() => {
  document.body.innerHTML = '';
});

describe('the fleet overview', () => {
  it('shows 1,000 nodes with only the rows in view in the DOM, and the counts of all', async () => {
    const { root } = await mount();
    expect(root.querySelector('[data-testid="fleet-summary"]')!.textContent).toContain('900 of 1000 online');
    expect(rows(root).length).toBeGreaterThan(10);
    expect(rows(root).length).toBeLessThan(60);
    expect(root.querySelector('table')!.getAttribute('aria-rowcount')).toBe('1001');
  });

  it('narrows by search and by state', async () => {
    const { root } = await mount();
    const search = root.querySelector<HTMLInputElement>('input[type="search"]')!;
    await act(() => {
      search.value = 'node-99';
      search.dispatchEvent(new Event('input', { bubbles: true }));
    });
    expect([...rows(root)].map((row) => row.querySelector('a')!.textContent)).toEqual(['node-99', 'node-990', 'node-991', 'node-992', 'node-993', 'node-994', 'node-995', 'node-996', 'node-997', 'node-998', 'node-999']);
    const state = root.querySelectorAll('select')[1]!;
    await act(() => {
      state.value = 'offline';
      state.dispatchEvent(new Event('change', { bubbles: true }));
    });
    expect([...rows(root)].map((row) => row.querySelector('a')!.textContent)).toEqual(['node-991']);
  });

  it('updates a row live from the fleet room, without a reload', async () => {
    const { root, services } = await mount([node(1, { name: 'alpha', online: true, applied_revision: 3, desired_revision: 3 })]);
    services.client.deliver(event('fleet', 'node.offline', { node_id: 1, reason: 'disconnected' }));
    await wait(150);
    expect(rows(root)[0]!.textContent).toContain('offline');
    expect(root.querySelector('[data-testid="fleet-summary"]')!.textContent).toContain('0 of 1 online');
  });

  it('marks a node that is behind its desired revision', async () => {
    const { root } = await mount([node(1, { applied_revision: 2, desired_revision: 5 })]);
    expect(rows(root)[0]!.textContent).toContain('2 / 5');
    expect(rows(root)[0]!.textContent).toContain('behind');
  });

  it('says so when there are no nodes yet', async () => {
    const { root } = await mount([]);
    expect(root.textContent).toContain('No nodes yet');
  });
});
