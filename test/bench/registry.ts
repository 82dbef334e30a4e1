import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type BenchSuite, isBenchSuite } from './types.js';

const SUITES_DIR = fileURLToPath(new URL('./suites/', import.meta.url));

/**
 * Every `suites/*.ts` file that exports `suite: BenchSuite`, in file-name order. Adding a
 * benchmark means adding a file there; nothing else needs to change.
 */
export async function loadSuites(): Promise<BenchSuite[]> {
  const files = fs
    .readdirSync(SUITES_DIR)
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
    .sort();
  const suites: BenchSuite[] = [];
  for (const file of files) {
    const module: Record<string, unknown> = await import(pathToFileURL(path.join(SUITES_DIR, file)).href);
    const suite = module.suite;
    if (!isBenchSuite(suite))
      throw new Error(`test/bench/suites/${file} does not export \`suite: BenchSuite\``);
    if (suites.some((known) => known.name === suite.name))
      throw new Error(`duplicate suite name ${suite.name}`);
    suites.push(suite);
  }
  return suites;
}
