import { fileURLToPath } from 'node:url';
import { dashboardIsStale, ensureDashboardBuilt } from '../../../infra/dev/dashboard-build.js';
import { launchChromium } from '../../support/browser.js';
import { measureOverview, signIn } from '../../support/dashboard-page.js';
import { startDashboardStack } from '../../support/dashboard-stack.js';
import { seedFleet } from '../support/fleet-seed.js';
import { createTestDatabase, ensureTemplateDatabase } from '../support/services.js';
import type { BenchContext, BenchResult, BenchSuite } from '../types.js';
import { measureBundle } from './dashboard/bundle-size.js';

const DIST = fileURLToPath(new URL('../../../auth-api/dist/web', import.meta.url));
const KIB = 1024;

function bundleResults(): BenchResult[] {
  const bundle = measureBundle(DIST);
  return [
    {
      metric: 'JS loaded for the overview, gzip',
      value: bundle.overviewGzipBytes / KIB,
      unit: 'KiB',
      goal: '≤ 150 KiB',
      met: bundle.overviewGzipBytes <= 150 * KIB,
      notes: `gzip -9 of the built files the app page loads first (entry + modulepreloads: ${bundle.overviewFiles.map((f) => `${f.file} ${(f.bytes / KIB).toFixed(0)} KiB raw`).join(', ')}); every app chunk together (lazy views, uPlot, QR, @noble/curves) ${(bundle.allAppGzipBytes / KIB).toFixed(0)} KiB; the /docs page's Swagger UI is separate.`,
    },
  ];
}

async function browserResults(ctx: BenchContext, nodes: number): Promise<BenchResult[]> {
  await ensureTemplateDatabase();
  const db = await createTestDatabase();
  ctx.progress('starting the stack as npm start runs it (start-stack, no simulated agents)');
  const stack = await startDashboardStack({ databaseUrl: db.url, simulatedAgents: 0 });
  const browser = await launchChromium();
  try {
    ctx.progress(`seeding ${nodes} nodes`);
    await seedFleet(db.knex, nodes, 0);
    await db.knex.raw('UPDATE nodes SET online = (id % 7 <> 0), applied_revision = desired_revision, last_seen_at = now()');
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 1280, height: 800 });
    await signIn(page, stack.url, 'admin', stack.adminPassword);
    const t = await measureOverview(page, nodes, { text: 'bench-99', expectName: 'bench-99' }, `bench-${nodes - 1}`);
    const api = t.api.map((call) => `${call.url} at ${call.startMs} ms took ${call.ms} ms`).join('; ');
    return [
      { metric: `Cold reload → overview with ${nodes} nodes on screen`, value: t.readyMs, unit: 'ms', goal: '< 1 s', met: t.readyMs < 1000, notes: `Chromium, cache disabled, signed-in tab; the first page of 500 rows shows at once, the rest follows. API calls: ${api}.` },
      { metric: 'First contentful paint of that load', value: t.firstContentfulPaintMs, unit: 'ms' },
      { metric: `Search in ${nodes} nodes → filtered rows on screen`, value: t.searchMs, unit: 'ms', notes: 'typed through the page (includes the driver round trip)' },
      { metric: `Jump to the end of ${nodes} rows → last row on screen`, value: t.scrollToEndMs, unit: 'ms', notes: 'virtualised table: about 40 rows in the DOM at any time' },
    ];
  } finally {
    await browser.close();
    await stack.stop();
    await db.drop();
  }
}

export const suite: BenchSuite = {
  name: 'dashboard',
  title: 'dashboard: bundle size and the overview with 1,000 nodes',
  description: [
    'The dashboard is built first when its sources are newer than `auth-api/dist/web` (Vite, as `npm run build`).',
    '**Size**: gzip level 9 of the scripts the app page loads before it can show the overview (the entry module and',
    'the chunks it names as modulepreload); views behind a route are lazy chunks. **Overview**: the stack as',
    '`npm start` runs it (infra/dev/start-stack.ts in its own process, real Postgres, no simulated agents), 1,000',
    'nodes seeded by bulk INSERT (six in seven online); Debian\'s Chromium through playwright-core signs in, then',
    'reloads the tab with the browser cache disabled: time from navigation start to the table on screen (a',
    'performance mark the table sets when it first renders), then a search and a jump to the end of the list.',
    'The same flow is the end-to-end test test/e2e/dashboard.browser.test.ts, which asserts behaviour, not time.',
  ].join(' '),
  async run(ctx: BenchContext): Promise<BenchResult[]> {
    if (dashboardIsStale(DIST)) {
      ctx.progress('building the dashboard');
      await ensureDashboardBuilt(DIST, (line) => ctx.progress(line));
    }
    return [...bundleResults(), ...(await browserResults(ctx, ctx.scale(1_000, 100)))];
  },
};
