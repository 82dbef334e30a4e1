import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';

/**
 * Where the browser tests keep their screenshots: test/.tmp/screenshots, or docs/screenshots
 * with `SCREENSHOTS=docs` (how the README's pictures are refreshed).
 */
export const SCREENSHOT_DIR = fileURLToPath(
  new URL(process.env.SCREENSHOTS === 'docs' ? '../../docs/screenshots/' : '../.tmp/screenshots/', import.meta.url),
);

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/** Signs in through the form (and waits for the fleet table or its empty state). */
export async function signIn(page: Page, url: string, username: string, password: string): Promise<void> {
  await page.goto(url);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Fleet', exact: true }).waitFor().catch(async (error: unknown) => {
    await screenshot(page, `failed-sign-in-${username}`);
    throw error;
  });
}

export interface OverviewTimings {
  /** Navigation start → the table shows rows and the summary counts `nodes` nodes. */
  readyMs: number;
  /** First contentful paint of the page (Chromium's paint timing). */
  firstContentfulPaintMs: number;
  /** Typing a search → the filtered rows are on screen. */
  searchMs: number;
  /** Jumping to the end of the list → its last row is on screen. */
  scrollToEndMs: number;
  /** Script files the overview loaded, with their size on the wire (no compression here). */
  scripts: Array<{ url: string; bytes: number }>;
  /** The API calls of the cold load: when each started and how long it took. */
  api: Array<{ url: string; startMs: number; ms: number }>;
}

/** The few browser globals the page functions below use (the tests compile without DOM types). */
interface PageGlobals {
  document: { querySelector(selector: string): { textContent: string | null } | null };
}

/** Functions, not strings: the dashboard's CSP (rightly) forbids evaluating strings. */
const summaryCounts = (page: Page, nodes: number) =>
  page.waitForFunction(
    (total) =>
      (globalThis as unknown as PageGlobals).document
        .querySelector('[data-testid="fleet-summary"]')
        ?.textContent?.includes(`of ${total} online`) ?? false,
    nodes,
  );

interface PageTimings {
  readyMs: number;
  fcp: number;
  scripts: Array<{ url: string; bytes: number }>;
  api: Array<{ url: string; startMs: number; ms: number }>;
}

const READ_TIMINGS = `(() => {
  const fcp = performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN;
  const ready = performance.getEntriesByName('wirefleet:overview-ready')[0]?.startTime ?? performance.now();
  const scripts = performance.getEntriesByType('resource')
    .filter((entry) => entry.initiatorType === 'script' || entry.name.endsWith('.js'))
    .map((entry) => ({ url: entry.name, bytes: entry.encodedBodySize }));
  const api = performance.getEntriesByType('resource')
    .filter((entry) => entry.name.includes('/v1/'))
    .map((entry) => ({ url: new URL(entry.name).pathname, startMs: Math.round(entry.startTime), ms: Math.round(entry.duration) }));
  return { readyMs: ready, fcp, scripts, api };
})()`;

/**
 * A cold reload of the overview (browser cache disabled, session kept in the tab), then two
 * interactions with the table: a search, and a jump to the end of the list.
 */
export async function measureOverview(page: Page, nodes: number, search: { text: string; expectName: string }, lastName: string): Promise<OverviewTimings> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  await page.reload();
  await summaryCounts(page, nodes);
  await page.locator('[data-testid="node-table"] tbody tr[data-node-id]').first().waitFor();
  const navigation = (await page.evaluate(READ_TIMINGS)) as PageTimings;
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: false });

  const searchStarted = Date.now();
  await page.getByLabel('Search').fill(search.text);
  await page.locator(`tbody tr[data-node-id] a:text-is("${search.expectName}")`).waitFor();
  const searchMs = Date.now() - searchStarted;
  await page.getByLabel('Search').fill('');
  await summaryCounts(page, nodes);

  const scrollStarted = Date.now();
  await page.locator('.table-scroller').evaluate((element) => element.scrollTo(0, element.scrollHeight));
  await page.locator(`tbody tr[data-node-id] a:text-is("${lastName}")`).waitFor();
  const scrollToEndMs = Date.now() - scrollStarted;
  return { readyMs: navigation.readyMs, firstContentfulPaintMs: navigation.fcp, searchMs, scrollToEndMs, scripts: navigation.scripts, api: navigation.api };
}
