import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = (relative: string) => fileURLToPath(new URL(`../../${relative}`, import.meta.url));

/** What the dashboard is built from: its own folder and the shared code it bundles. */
const SOURCES = ['auth-api/web/src', 'auth-api/web/index.html', 'auth-api/web/docs', 'auth-api/web/vite.config.ts', 'shared/src'];

function newestChange(target: string): number {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(target);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of fs.readdirSync(target)) newest = Math.max(newest, newestChange(path.join(target, entry)));
  return newest;
}

/** True when `dir/index.html` is missing or older than a source file. */
export function dashboardIsStale(dir: string): boolean {
  const built = newestChange(path.join(dir, 'index.html'));
  return built === 0 || SOURCES.some((source) => newestChange(repo(source)) > built);
}

/**
 * `npm start` from a fresh clone has no build: build the dashboard into the auth-api's
 * `dist/web` (Vite, a few seconds) when it is missing or older than its sources, so the printed
 * URL always serves the current code. `npm run build` does the same for production.
 */
export async function ensureDashboardBuilt(dir: string, log: (line: string) => void): Promise<void> {
  if (!dashboardIsStale(dir)) return;
  log('building the dashboard (auth-api/web → auth-api/dist/web)…');
  const { build } = await import('vite');
  await build({ configFile: repo('auth-api/web/vite.config.ts'), logLevel: 'warn' });
}

/**
 * The origins a browser shows the dashboard under: the public URL's, and for a loopback
 * address also `localhost` with the same port (both are what people type).
 */
export function dashboardOrigins(publicUrl: string): string[] {
  const url = new URL(publicUrl);
  const origins = [url.origin];
  if (url.hostname === '127.0.0.1' || url.hostname === '[::1]') {
    origins.push(`${url.protocol}//localhost${url.port ? `:${url.port}` : ''}`);
  }
  return origins;
}
