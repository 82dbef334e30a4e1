import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { ServicesContext } from '../app/services.js';
import { fakeServices } from '../testing/fake-services.js';
import { event, node, scriptedHttp } from '../testing/fixtures.js';
import { policyText } from './policy-document.js';
import { PolicyView } from './policy-view.js';

const V1 = {
  rules: [{ src: ['node:1'], dst: ['node:2'], ports: ['tcp:80'], description: 'the web tier' }],
  tests: [{ src: 'node:1', dst: 'node:2', port: 'tcp:80', expect: 'allow' }],
};
const FAILING = {
  path: 'tests.0',
  message: 'node:1 → node:2 on tcp:80: expected allow, got deny (no rule allows it)',
};

async function mount(canWrite: boolean) {
  const puts: unknown[] = [];
  const server = {
    current: { policy: V1, version: 1, updated_at: '2026-01-01T00:00:00.000Z', updated_by: 'admin' },
  };
  let policyReads = 0;
  const { http, calls } = scriptedHttp(({ method, url, body }) => {
    if (url.startsWith('/v1/nodes?')) return { status: 200, body: { items: [node(1), node(2)] } };
    if (url === '/v1/policy') {
      if (method === 'GET') policyReads += 1;
      if (method === 'GET') return { status: 200, body: server.current };
      puts.push(body);
      if (puts.length === 1) return { status: 400, body: { code: 'invalid_policy', errors: [FAILING] } };
      return {
        status: 200,
        body: {
          version: 2,
          warnings: [{ path: 'rules.0.src.0', message: 'no node or device carries the tag lb yet' }],
          nodes_updated: 1,
        },
      };
    }
    if (url.startsWith('/v1/policy/versions'))
      return {
        status: 200,
        body: {
          items: [{ id: 1, version: 1, ...V1, created_at: '2026-01-01T00:00:00.000Z', created_by: 'admin' }],
        },
      };
    if (url === '/v1/policy/check')
      return { status: 200, body: { allow: true, rule_index: 0, reason: 'rule' } };
    return { status: 404, body: { code: 'not_found' } };
  });
  const services = await fakeServices(http);
  const root = document.createElement('div');
  document.body.append(root);
  await act(() => {
    render(
      <ServicesContext.Provider value={services}>
        <PolicyView canWrite={canWrite} />
      </ServicesContext.Provider>,
      root,
    );
  });
  await settle();
  return { root, services, puts, calls, server, policyReads: () => policyReads };
}

const settle = () => act(() => new Promise<void>((resolve) => setTimeout(resolve, 30)));
const textarea = (root: HTMLElement) => root.querySelector<HTMLTextAreaElement>('textarea[name="policy"]')!;

async function type(control: HTMLInputElement | HTMLTextAreaElement, value: string) {
  await act(() => {
    control.value = value;
    control.dispatchEvent(new Event('input', { bubbles: true }));
  });
}

async function submit(form: HTMLFormElement) {
  await act(() => {
    form.dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }));
  });
  await settle();
}

const button = (root: HTMLElement, text: string) =>
  [...root.querySelectorAll('button')].find((candidate) => candidate.textContent!.trim() === text);

afterEach(() => {
  document.body.innerHTML = '';
});

describe('the policy page', () => {
  it('for an admin: a schema error at its path before sending, a failing test named, then saved with warnings and tests passed', async () => {
    const { root, puts } = await mount(true);
    expect(textarea(root).value).toBe(policyText(V1 as never));
    expect(root.querySelector('[data-testid="policy-in-force"]')!.textContent).toContain(
      'Version 1 is in force, set by admin',
    );

    await type(textarea(root), JSON.stringify({ ...V1, rules: [{ ...V1.rules[0], ports: ['tcp:70000'] }] }));
    const error = root.querySelector('[data-testid="policy-errors"] li[data-path="rules.0.ports.0"]');
    expect(error!.textContent).toContain('ports are 1-65535');
    expect(button(root, 'Save policy')!.disabled).toBe(true);
    await submit(root.querySelector('form[aria-label="Policy document"]')!);
    expect(puts).toEqual([]);

    const next = { ...V1, rules: [{ src: ['tag:lb'], dst: ['node:2'], ports: ['tcp:80'] }] };
    await type(textarea(root), JSON.stringify(next));
    expect(root.querySelector('[data-testid="policy-errors"]')).toBeNull();
    await submit(root.querySelector('form[aria-label="Policy document"]')!);
    expect(puts).toEqual([next]);
    expect(
      root.querySelector('[data-testid="policy-refusal"] li[data-path="tests.0"]')!.textContent,
    ).toContain('expected allow, got deny');
    const failed = root.querySelector('[data-testid="policy-test-results"] li[data-test-index="0"]')!;
    expect(failed.getAttribute('data-outcome')).toBe('failed');
    expect(failed.textContent).toContain(FAILING.message);

    await submit(root.querySelector('form[aria-label="Policy document"]')!);
    expect(root.querySelector('[data-testid="policy-saved"]')!.textContent).toContain('Saved as version 2');
    expect(
      root.querySelector('[data-testid="policy-warnings"] li[data-path="rules.0.src.0"]'),
    ).not.toBeNull();
    expect(root.querySelector('[data-testid="policy-refusal"]')).toBeNull();
    expect(
      root
        .querySelector('[data-testid="policy-test-results"] li[data-test-index="0"]')!
        .getAttribute('data-outcome'),
    ).toBe('passed');
  });

  it('answers "can A reach B?" with the deciding rule, and loads an old version into the editor', async () => {
    const { root, calls } = await mount(true);
    const form = root.querySelector<HTMLFormElement>('form[aria-label="Check a connection"]')!;
    await type(form.querySelector('input[name="check-src"]')!, 'node:1');
    await type(form.querySelector('input[name="check-dst"]')!, 'node:9x');
    await type(form.querySelector('input[name="check-port"]')!, 'tcp:80');
    await submit(form);
    expect(form.textContent).toContain('a member: node:<id> or device:<id>');
    await type(form.querySelector('input[name="check-dst"]')!, ' node:2 ');
    await submit(form);
    expect(calls.find((call) => call.url === '/v1/policy/check')!.body).toEqual({
      src: 'node:1',
      dst: 'node:2',
      port: 'tcp:80',
    });
    const answer = root.querySelector('[data-testid="policy-check-answer"]')!;
    expect(answer.getAttribute('data-allow')).toBe('true');
    expect(answer.textContent).toContain('rules.0 allows it (the web tier)');

    await type(textarea(root), '{}');
    await act(() =>
      root.querySelector<HTMLButtonElement>('button[aria-label="Load version 1 into the editor"]')!.click(),
    );
    expect(textarea(root).value).toBe(policyText(V1 as never));
  });

  it('for a viewer: the document read-only, no save; a new version saved elsewhere is read again', async () => {
    const { root, services, policyReads } = await mount(false);
    expect(textarea(root).readOnly).toBe(true);
    expect(button(root, 'Save policy')).toBeUndefined();
    const before = policyReads();
    services.client.deliver(event('fleet', 'policy.updated', { version: 2 }));
    await settle();
    expect(policyReads()).toBe(before + 1);
  });

  it('keeps the edits when another version is saved meanwhile, and says so; unedited, the editor follows', async () => {
    const { root, services, server } = await mount(true);
    const v2 = { rules: [{ src: ['*'], dst: ['*'], ports: ['icmp'] }], tests: [] };
    server.current = {
      policy: v2 as never,
      version: 2,
      updated_at: '2026-01-02T00:00:00.000Z',
      updated_by: 'user:7',
    };
    services.client.deliver(event('fleet', 'policy.updated', { version: 2 }));
    await settle();
    expect(textarea(root).value).toBe(policyText(v2 as never));
    expect(root.querySelector('[data-testid="policy-in-force"]')!.textContent).toContain(
      'Version 2 is in force',
    );

    await type(textarea(root), '{"rules": []}');
    const v3 = { rules: [], tests: [] };
    server.current = {
      policy: v3 as never,
      version: 3,
      updated_at: '2026-01-03T00:00:00.000Z',
      updated_by: 'user:8',
    };
    services.client.deliver(event('fleet', 'policy.updated', { version: 3 }));
    await settle();
    expect(textarea(root).value).toBe('{"rules": []}');
    expect(root.textContent).toContain('Version 3 was saved by user:8 meanwhile.');
    await act(() => button(root, 'Load version 3')!.click());
    expect(textarea(root).value).toBe(policyText(v3 as never));
    expect(root.textContent).not.toContain('meanwhile');
  });
});
