import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumSkipReason, launchChromium, type TestBrowser } from '../support/browser.js';
import { screenshot } from '../support/dashboard-page.js';
import { type DashboardStack, startDashboardStack } from '../support/dashboard-stack.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { freePort } from '../support/free-port.js';
import { startTestOpenIdProvider, type TestOpenIdProvider } from '../support/oidc-provider.js';

const skip = chromiumSkipReason();

/** Types `login` into the provider's development login form and submits it. */
async function loginAtProvider(page: Page, login: string): Promise<void> {
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('any password');
  await page.getByRole('button', { name: 'Sign-in' }).click();
}

/**
 * Single sign-on in Chromium against the stack as `npm start` runs it, with two real OpenID
 * Providers on loopback: the login page offers both, a login at the provider comes back signed
 * in (the one-time code gone from the address bar), and a refusal is said on the login page.
 */
describe.skipIf(skip !== undefined)(
  `single sign-on in Chromium${skip ? ` (skipped: ${skip})` : ''}`,
  { timeout: 60_000 },
  () => {
    let db: TestDatabase;
    let corp: TestOpenIdProvider;
    let other: TestOpenIdProvider;
    let stack: DashboardStack;
    let browser: TestBrowser;

    beforeAll(async () => {
      db = await createTestDatabase();
      const port = await freePort();
      const callback = (id: string) => `http://127.0.0.1:${port}/v1/auth/oidc/${id}/callback`;
      [corp, other] = await Promise.all([
        startTestOpenIdProvider({ redirectUris: [callback('corp')] }),
        startTestOpenIdProvider({ redirectUris: [callback('other')] }),
      ]);
      corp.accounts.set('carol', {
        email: 'carol@example.test',
        email_verified: true,
        groups: ['wf-admins'],
      });
      corp.accounts.set('mallory', { email: 'mallory@evil.test', email_verified: true });
      const providers = [
        {
          ...{ id: 'corp', name: 'Corp SSO', issuer: corp.issuer, client_id: corp.clientId },
          ...{ scopes: ['openid', 'email', 'groups'], jit: true, allowed_email_domains: ['example.test'] },
          ...{ roles_claim: 'groups', role_map: { 'wf-admins': 'admin' } },
        },
        { id: 'other', name: 'Other IdP', issuer: other.issuer, client_id: other.clientId },
      ];
      const env = {
        AUTH_API_PORT: String(port),
        OIDC_PROVIDERS: JSON.stringify(providers),
        OIDC_CORP_CLIENT_SECRET: corp.clientSecret,
        OIDC_OTHER_CLIENT_SECRET: other.clientSecret,
      };
      [stack, browser] = await Promise.all([
        startDashboardStack({ databaseUrl: db.url, simulatedAgents: 0, env }),
        launchChromium(),
      ]);
    }, 180_000);

    afterAll(async () => {
      await browser?.close();
      await stack?.stop();
      await Promise.all([corp?.close(), other?.close()]);
      await db?.drop();
    });

    it('signs in at the provider and lands in the dashboard with an ordinary session', async () => {
      const page = await browser.context.newPage();
      await page.goto(stack.url);
      await expect
        .poll(() => page.getByRole('link', { name: /^Sign in with / }).allTextContents())
        .toEqual(['Sign in with Corp SSO', 'Sign in with Other IdP']);
      await screenshot(page, 'sso-sign-in');
      await page.getByRole('link', { name: 'Sign in with Corp SSO' }).click();
      await page.waitForURL((url) => url.origin === corp.issuer);
      await loginAtProvider(page, 'carol');
      await page.getByRole('heading', { name: 'Fleet', exact: true }).waitFor();
      // The one-time code was taken out of the address bar and the history entry.
      expect(page.url()).toBe(`${stack.url.replace(/\/$/, '')}/`);
      // Strings: the test's TypeScript has no DOM types.
      const refresh = await page.evaluate<string | null>("sessionStorage.getItem('wirefleet.refresh_token')");
      expect(refresh).toMatch(/^wfr_/);
      const me = await page.evaluate<{ username: string; role: string }>(`(async () => {
      const access = sessionStorage.getItem('wirefleet.access_token').split(' ')[0];
      const response = await fetch('/v1/auth/me', { headers: { authorization: 'Bearer ' + access } });
      return response.json();
    })()`);
      expect(me).toMatchObject({ username: 'carol@example.test', role: 'admin' });
      await page.close();
    });

    it('says why the provider identity may not sign in', async () => {
      // Carol's session at the provider would sign her in again without a form.
      await browser.context.clearCookies();
      const page = await browser.context.newPage();
      await page.goto(stack.url);
      await page.getByRole('link', { name: 'Sign in with Corp SSO' }).click();
      await page.waitForURL((url) => url.origin === corp.issuer);
      await loginAtProvider(page, 'mallory');
      await page.getByText('Your email address may not sign in to Wirefleet.').waitFor();
      expect(page.url()).not.toContain('oidc_error');
      await page.close();
    });
  },
);
