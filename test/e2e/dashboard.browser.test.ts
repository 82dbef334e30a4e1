import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedFleet } from '../bench/support/fleet-seed.js';
import { chromiumSkipReason, launchChromium, type TestBrowser } from '../support/browser.js';
import { measureOverview, screenshot, signIn } from '../support/dashboard-page.js';
import { type DashboardStack, startDashboardStack } from '../support/dashboard-stack.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const skip = chromiumSkipReason();
const VIEWER = { username: 'viewer1', password: 'viewer password 123' };

async function newPage(browser: TestBrowser): Promise<Page> {
  const page = await browser.context.newPage();
  await page.setViewportSize({ width: 1280, height: 800 });
  return page;
}

/** Tunnel IP of a node as the overview shows it. */
async function tunnelIp(page: Page, name: string): Promise<string> {
  const row = page.locator('tbody tr[data-node-id]', { has: page.locator(`a:text-is("${name}")`) });
  return (await row.locator('td.mono').first().textContent())!.trim();
}

/** A node's id, from its row in the overview. */
async function nodeId(page: Page, name: string): Promise<number> {
  const row = page.locator('tbody tr[data-node-id]', { has: page.locator(`a:text-is("${name}")`) });
  return Number(await row.getAttribute('data-node-id'));
}

/**
 * The dashboard in Debian's Chromium against the stack as `npm start` wires it (start-stack in
 * its own process, simulated agents on the memory dataplane, the gateway's ALLOWED_ORIGINS as
 * it sets them): what an operator and a viewer do, end to end.
 */
describe.skipIf(skip !== undefined)(`the dashboard in Chromium${skip ? ` (skipped: ${skip})` : ''}`, { timeout: 60_000 }, () => {
  let db: TestDatabase;
  let stack: DashboardStack;
  let browser: TestBrowser;
  let page: Page;

  beforeAll(async () => {
    db = await createTestDatabase();
    [stack, browser] = await Promise.all([startDashboardStack({ databaseUrl: db.url, simulatedAgents: 2 }), launchChromium()]);
    page = await newPage(browser);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    await db?.drop();
  });

  it('signs in with the printed password and shows the simulated nodes online, live', async () => {
    await page.goto(stack.url);
    await page.getByLabel('Username').waitFor();
    await screenshot(page, 'sign-in');
    await signIn(page, stack.url, 'admin', stack.adminPassword);
    for (const name of ['sim-1', 'sim-2']) {
      const row = page.locator('tbody tr[data-node-id]', { has: page.locator(`a:text-is("${name}")`) });
      await expect.poll(() => row.textContent(), { timeout: 20_000 }).toContain('online');
    }
    await expect.poll(() => page.getByTestId('connection-state').textContent()).toContain('Live');
    await screenshot(page, 'overview');
  });

  it('creates a port forward and watches the node apply it: pending, then applied', async () => {
    const target = await tunnelIp(page, 'sim-2');
    await page.getByRole('link', { name: 'sim-1', exact: true }).click();
    await page.getByRole('heading', { name: 'sim-1' }).waitFor();
    await page.getByRole('button', { name: 'New port forward' }).click();
    await page.getByLabel('Public port').fill('25565');
    await page.getByLabel('Target port').fill('25565');
    await page.getByLabel('Target tunnel IP').fill(target);
    await page.getByLabel('Description (optional)').fill('minecraft');
    await page.getByRole('button', { name: 'Create forward' }).click();
    const row = page.locator('[data-testid="forwards-table"] tbody tr', { hasText: '25565/tcp' });
    await row.waitFor();
    await expect.poll(() => row.textContent(), { timeout: 20_000 }).toContain('applied');
    const revision = (await page.getByTestId('node-revision').textContent())!;
    const [applied, desired] = revision.match(/\d+/g)!.map(Number);
    expect(applied, `applied / desired: ${revision}`).toBe(desired);
    expect(desired).toBeGreaterThan(1);
    // Two status reports (every 2 s here) and the traffic chart draws rates.
    await page.getByText('Rates appear after').waitFor({ state: 'detached', timeout: 15_000 });
    await page.evaluate('window.scrollTo(0, 0)');
    await screenshot(page, 'node-detail');
  });

  it('runs ping to a peer and shows the result when it arrives', async () => {
    await page.goto(stack.url);
    const target = await tunnelIp(page, 'sim-2');
    await page.getByRole('link', { name: 'sim-1', exact: true }).click();
    await page.getByLabel('Ping target (tunnel IP)').waitFor();
    await page.getByLabel('Command', { exact: true }).selectOption('ping');
    await page.getByLabel('Ping target (tunnel IP)').fill(target);
    await page.getByRole('button', { name: 'Run' }).click();
    const command = page.locator('[data-testid="commands"] li').first();
    await expect.poll(() => command.getAttribute('data-status'), { timeout: 20_000 }).toBe('succeeded');
    expect(await command.locator('pre').textContent()).toContain(target);
    await page.locator('#forwards-title').evaluate((heading) => heading.scrollIntoView({ block: 'start' }));
    await screenshot(page, 'node-forwards-and-commands');
  });

  it('creates a device: the key pair is made in the browser, the config and QR code are shown once', async () => {
    const bodies: string[] = [];
    page.on('request', (request) => {
      if (request.method() !== 'GET') bodies.push(request.postData() ?? '');
    });
    await page.getByRole('link', { name: 'Devices' }).click();
    await page.getByRole('button', { name: 'New device' }).click();
    await page.getByLabel('Device name').fill('alice-laptop');
    await page.getByLabel('Tags (optional)').fill('staff');
    await page.getByLabel('Node', { exact: true }).selectOption({ label: 'sim-1' });
    await page.getByRole('button', { name: 'Create device' }).click();
    const config = (await page.getByTestId('device-config').textContent())!;
    expect(config).toMatch(/^\[Interface\]\nPrivateKey = [A-Za-z0-9+/]{43}=\nAddress = 100\.96\.\d+\.\d+\/32/);
    await expect.poll(() => page.getByTestId('device-qr').getAttribute('src')).toMatch(/^data:image\/png;base64,/);
    const privateKey = /PrivateKey = (\S+)/.exec(config)![1]!;
    expect(bodies.some((body) => body.includes('alice-laptop')), 'the device was created over the API').toBe(true);
    expect(bodies.filter((body) => body.includes(privateKey)), 'the private key never left the browser').toEqual([]);
    await screenshot(page, 'device-config');
    await page.getByRole('button', { name: 'I have saved it' }).click();
    const device = page.locator('[data-testid="devices-table"] tbody tr', { hasText: 'alice-laptop' });
    await device.waitFor();
    expect(await device.locator('td').nth(1).textContent(), 'the device’s tags').toBe('staff');
  });

  it('creates an enrollment key shown once with its enroll line; a viewer user; the audit log', async () => {
    await page.getByRole('link', { name: 'Enrollment keys' }).click();
    await page.getByRole('button', { name: 'New enrollment key' }).click();
    await page.getByLabel('Tags').fill('edge, web');
    await page.getByRole('button', { name: 'Create key' }).click();
    const key = (await page.getByTestId('enrollment-key').textContent())!.trim();
    expect(await page.getByTestId('enroll-command').textContent()).toBe(`WIREFLEET_ENROLLMENT_KEY=${key} wirefleet-agent enroll --api ${stack.url}`);
    await screenshot(page, 'enrollment-key');
    await page.getByRole('button', { name: 'Done' }).click();

    await page.getByRole('link', { name: 'Users' }).click();
    await page.getByRole('button', { name: 'New user' }).click();
    await page.getByLabel('Username').fill(VIEWER.username);
    await page.getByLabel('Password').fill(VIEWER.password);
    await page.getByLabel('Role', { exact: true }).selectOption('viewer');
    await page.getByRole('button', { name: 'Create user' }).click();
    await page.locator('[data-testid="users-table"]', { hasText: VIEWER.username }).waitFor();
    await screenshot(page, 'users');

    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.locator('[data-testid="audit-table"]', { hasText: 'user.created' }).waitFor();
    await screenshot(page, 'audit-log');
  });

  it('as a viewer: everything readable, no button that writes, no secret', async () => {
    const viewer = await newPage(browser);
    await signIn(viewer, stack.url, VIEWER.username, VIEWER.password);
    await viewer.locator('tbody tr[data-node-id]').first().waitFor();
    expect(await viewer.getByRole('link', { name: 'Enrollment keys' }).count()).toBe(0);
    await viewer.getByRole('link', { name: 'sim-1', exact: true }).click();
    await viewer.getByRole('heading', { name: 'Peers' }).waitFor();
    await viewer.waitForTimeout(500);
    const buttons = await viewer.locator('main button').allTextContents();
    expect(buttons).toEqual([]);
    await screenshot(viewer, 'viewer-node');
    await viewer.close();
  });

  it('writes the access policy: a schema error at its path, a failing test named, saved, checked, reverted from the history', async () => {
    await page.goto(stack.url);
    const [a, b] = [await nodeId(page, 'sim-1'), await nodeId(page, 'sim-2')];
    await page.getByRole('link', { name: 'Policy' }).click();
    await page.getByRole('heading', { name: 'Access policy' }).waitFor();
    expect(await page.getByTestId('policy-in-force').textContent()).toContain('No policy is set');
    const editor = page.getByLabel('Policy (JSON)');
    const save = page.getByRole('button', { name: 'Save policy' });
    const web = {
      src: [`node:${a}`],
      dst: [`node:${b}`],
      ports: ['tcp:80'],
      description: 'sim-1 reaches sim-2 on http',
    };
    const tests = [
      { src: `node:${a}`, dst: `node:${b}`, port: 'tcp:80', expect: 'allow' },
      { src: `node:${b}`, dst: `node:${a}`, port: 'tcp:22', expect: 'allow' },
    ];

    await editor.fill(JSON.stringify({ rules: [{ ...web, ports: ['tcp:70000'] }], tests }, null, 2));
    await page
      .locator('[data-testid="policy-errors"] li[data-path="rules.0.ports.0"]', {
        hasText: 'ports are 1-65535',
      })
      .waitFor();
    expect(await save.isDisabled()).toBe(true);
    await screenshot(page, 'policy-invalid');

    await editor.fill(JSON.stringify({ rules: [web], tests }, null, 2));
    await save.click();
    await page
      .locator('[data-testid="policy-refusal"] li[data-path="tests.1"]', {
        hasText: 'expected allow, got deny',
      })
      .waitFor();
    const failed = page.locator('[data-testid="policy-test-results"] li[data-test-index="1"]');
    expect(await failed.getAttribute('data-outcome')).toBe('failed');
    expect(await failed.textContent()).toContain(`node:${b} → node:${a} on tcp:22`);
    expect(await page.getByTestId('policy-in-force').textContent()).toContain('No policy is set');

    const v1 = { rules: [web], tests: [tests[0], { ...tests[1], expect: 'deny' }] };
    await editor.fill(JSON.stringify(v1, null, 2));
    await save.click();
    await page.getByTestId('policy-saved').filter({ hasText: 'Saved as version 1' }).waitFor();
    expect(
      await page.locator('[data-testid="policy-test-results"] li[data-outcome="passed"]').count(),
    ).toBe(2);
    await page.getByTestId('policy-in-force').filter({ hasText: 'Version 1 is in force' }).waitFor();
    await screenshot(page, 'policy-saved');

    const check = async (src: number, dst: number, port: string) => {
      await page.getByLabel('From').fill(`node:${src}`);
      await page.getByLabel('To', { exact: true }).fill(`node:${dst}`);
      await page.getByLabel('Port', { exact: true }).fill(port);
      await page.getByRole('button', { name: 'Check', exact: true }).click();
      const answer = page
        .getByTestId('policy-check-answer')
        .filter({ hasText: `node:${src} → node:${dst} on ${port}` });
      await answer.waitFor();
      return answer;
    };
    const allowed = await check(a, b, 'tcp:80');
    expect(await allowed.getAttribute('data-allow')).toBe('true');
    expect(await allowed.textContent()).toContain('rules.0 allows it (sim-1 reaches sim-2 on http)');
    const denied = await check(b, a, 'tcp:22');
    expect(await denied.getAttribute('data-allow')).toBe('false');
    expect(await denied.textContent()).toContain('no rule allows it');

    await editor.fill(JSON.stringify({ ...v1, rules: [{ ...web, ports: ['tcp:80', 'icmp'] }] }, null, 2));
    await save.click();
    await page.getByTestId('policy-saved').filter({ hasText: 'Saved as version 2' }).waitFor();
    const history = page.getByTestId('policy-history');
    await history.locator('tbody tr[data-version="2"]').waitFor();
    expect(await history.locator('tbody tr').count()).toBe(2);
    // A viewer watching the page sees the revert arrive live (the fleet room's policy.updated).
    const viewer = await newPage(browser);
    await signIn(viewer, stack.url, VIEWER.username, VIEWER.password);
    await viewer.getByRole('link', { name: 'Policy' }).click();
    await viewer.getByTestId('policy-in-force').filter({ hasText: 'Version 2 is in force' }).waitFor();
    expect(await viewer.getByLabel('Policy (JSON)').getAttribute('readonly')).not.toBeNull();
    expect(await viewer.getByRole('button', { name: 'Save policy' }).count()).toBe(0);

    await page.getByRole('button', { name: 'Load version 1 into the editor' }).click();
    expect(JSON.parse(await editor.inputValue())).toEqual(v1);
    await page.getByTestId('policy-loaded-version').filter({ hasText: 'version 1' }).waitFor();
    await save.click();
    await page.getByTestId('policy-saved').filter({ hasText: 'Saved as version 3' }).waitFor();
    await page.getByTestId('policy-in-force').filter({ hasText: 'Version 3 is in force' }).waitFor();
    await history.locator('tbody tr[data-version="3"]', { hasText: 'in force' }).waitFor();
    expect(await history.locator('tbody tr[data-version="3"] td').nth(2).textContent()).toBe('1');
    await history.scrollIntoViewIfNeeded();
    await screenshot(page, 'policy-history');

    await viewer.getByTestId('policy-in-force').filter({ hasText: 'Version 3 is in force' }).waitFor({ timeout: 10_000 });
    expect(JSON.parse(await viewer.getByLabel('Policy (JSON)').inputValue())).toEqual(v1);
    await viewer.close();
  });

  it('signs out: the socket closes and the sign-in form returns', async () => {
    const cdp = await page.context().newCDPSession(page);
    const closed: string[] = [];
    cdp.on('Network.webSocketClosed', ({ requestId }) => closed.push(requestId));
    await cdp.send('Network.enable');
    await page.goto(stack.url);
    await page.getByRole('heading', { name: 'Fleet', exact: true }).waitFor();
    await expect.poll(() => page.getByTestId('connection-state').textContent()).toContain('Live');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await expect.poll(() => closed.length).toBeGreaterThan(0);
  });

  it('renders the API reference at /docs from /openapi.json, bundled (no other origin contacted)', async () => {
    const origins = new Set<string>();
    page.on('request', (request) => origins.add(new URL(request.url()).origin));
    await page.goto(`${stack.url}/docs`);
    await page.getByText('/v1/auth/login').first().waitFor();
    await screenshot(page, 'api-reference');
    expect([...origins].filter((origin) => origin.startsWith('http'))).toEqual([stack.url]);
  });
});

describe.skipIf(skip !== undefined)(`the overview with 1,000 nodes${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let db: TestDatabase;
  let stack: DashboardStack;
  let browser: TestBrowser;

  beforeAll(async () => {
    db = await createTestDatabase();
    [stack, browser] = await Promise.all([startDashboardStack({ databaseUrl: db.url, simulatedAgents: 0 }), launchChromium()]);
    await seedFleet(db.knex, 1000, 0);
    await db.knex.raw(`UPDATE nodes SET online = (id % 7 <> 0), applied_revision = desired_revision, last_seen_at = now()`);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    await db?.drop();
  });

  it('renders, searches and scrolls; the timings go to docs/benchmarks.md (npm run bench), not into assertions', async () => {
    const page = await newPage(browser);
    await signIn(page, stack.url, 'admin', stack.adminPassword);
    const timings = await measureOverview(page, 1000, { text: 'bench-99', expectName: 'bench-99' }, 'bench-999').catch(async (error: unknown) => {
      await screenshot(page, 'failed-1000');
      throw error;
    });
    expect(await page.locator('tbody tr[data-node-id]').count(), 'rows in the DOM (virtualised)').toBeLessThan(100);
    expect(timings.scripts.length).toBeGreaterThan(0);
    await page.locator('.table-scroller').evaluate((element) => element.scrollTo(0, 0));
    await screenshot(page, 'overview-1000-nodes');
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, 'overview-dark');
    process.stdout.write(`dashboard, 1,000 nodes: ${JSON.stringify({ ...timings, scripts: timings.scripts.length })}\n`);
  }, 120_000);
});
