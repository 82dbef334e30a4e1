import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpClient } from '../api/http-client.js';
import { Session } from './session.js';
import { SignInView } from './sign-in-view.js';

const problem = (status: number, code: string) => new Response(JSON.stringify({ status, code }), { status, headers: { 'content-type': 'application/problem+json' } });

function mount(answer: (body: Record<string, unknown>) => Response) {
  const storage = { getItem: () => null, setItem: () => undefined, removeItem: () => undefined };
  const http = new HttpClient({
    baseUrl: '',
    accessToken: async () => undefined,
    renewAfterRefusal: async () => false,
    fetch: (async (_url: string, init: RequestInit) => answer(JSON.parse(String(init.body)))) as typeof fetch,
  });
  const session = new Session({ http, storage });
  const root = document.createElement('div');
  document.body.append(root);
  render(<SignInView session={session} />, root);
  return root;
}

async function type(root: HTMLElement, name: string, value: string) {
  const input = root.querySelector<HTMLInputElement>(`input[name="${name}"]`)!;
  await act(() => {
    input.value = value;
    input.dispatchEvent(new Event('input', { bubbles: true }));
  });
}

const submit = (root: HTMLElement) =>
  act(async () => {
    root.querySelector('form')!.dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }));
    await new Promise((resolve) => setTimeout(resolve, 10));
  });

afterEach(() => {
  document.body.innerHTML = '';
});

describe('sign-in', () => {
  it('every input has a label', () => {
    const root = mount(() => problem(401, 'invalid_credentials'));
    for (const input of root.querySelectorAll('input')) expect(root.querySelector(`label[for="${input.id}"]`)).not.toBeNull();
  });

  it('says a wrong password in words, as an alert', async () => {
    const root = mount(() => problem(401, 'invalid_credentials'));
    await type(root, 'username', 'admin');
    await type(root, 'password', 'wrong');
    await submit(root);
    expect(root.querySelector('[role="alert"]')!.textContent).toBe('Wrong username or password.');
  });

  it('asks for the TOTP code when the account has one, and checks its shape before sending', async () => {
    const bodies: Array<Record<string, unknown>> = [];
    const root = mount((body) => {
      bodies.push(body);
      return problem(401, body.totp_code ? 'totp_invalid' : 'totp_required');
    });
    await type(root, 'username', 'admin');
    await type(root, 'password', 'secret');
    await submit(root);
    expect(root.querySelector('input[name="totp"]')).not.toBeNull();
    expect(root.querySelector('button[type="submit"]')!.textContent).toBe('Verify code');
    await type(root, 'totp', '12');
    await submit(root);
    expect(root.textContent).toContain('Enter the 6-digit code');
    expect(bodies).toHaveLength(1);
    await type(root, 'totp', '123456');
    await submit(root);
    expect(bodies.at(-1)).toEqual({ username: 'admin', password: 'secret', totp_code: '123456' });
    expect(root.querySelector('[role="alert"]')!.textContent).toMatch(/not valid/);
  });
});
