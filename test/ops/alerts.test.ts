import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { promtoolOrSkip, runPromtool } from './support/promtool.js';

const dir = fileURLToPath(new URL('../../infra/prometheus/', import.meta.url));
const tool = promtoolOrSkip();

/** Alert names declared in alerts.yml. */
function alertNames(rules: string): string[] {
  return [...rules.matchAll(/^\s*- alert:\s*(\S+)\s*$/gm)].map((match) => match[1]!);
}

/** For each alert named in a promtool test file: whether some case expects it to fire, and whether some expects quiet. */
function casesByAlert(tests: string): Map<string, { fires: boolean; quiet: boolean }> {
  const cases = new Map<string, { fires: boolean; quiet: boolean }>();
  for (const match of tests.matchAll(/alertname:\s*(\S+)\s*\n\s*exp_alerts:(.*)\n(.*)/g)) {
    const [, name, inline, next] = match;
    const entry = cases.get(name!) ?? { fires: false, quiet: false };
    if (inline!.trim() === '[]') entry.quiet = true;
    else if (/^\s*- exp_labels:/.test(next!)) entry.fires = true;
    cases.set(name!, entry);
  }
  return cases;
}

describe.skipIf(tool.skip !== undefined)(
  `Prometheus alert rules${tool.skip ? ` (skipped: ${tool.skip})` : ''}`,
  () => {
    it('promtool check rules accepts alerts.yml', async () => {
      const result = await runPromtool(tool.promtool!, ['check', 'rules', 'alerts.yml'], dir);
      expect(result.output).toContain('SUCCESS');
      expect(result.code, result.output).toBe(0);
    });

    it('promtool check config accepts the example prometheus.yml (which loads alerts.yml)', async () => {
      const result = await runPromtool(tool.promtool!, ['check', 'config', 'prometheus.yml'], dir);
      expect(result.code, result.output).toBe(0);
    });

    it('promtool test rules passes every case in alerts.test.yml', async () => {
      const result = await runPromtool(tool.promtool!, ['test', 'rules', 'alerts.test.yml'], dir);
      expect(result.code, result.output).toBe(0);
    });

    it('a broken expectation makes promtool test rules fail (the cases are really evaluated)', async () => {
      // Written to a temporary folder, never beside the real rules, pointing at them.
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wf-alerts-'));
      const broken = fs
        .readFileSync(`${dir}/alerts.test.yml`, 'utf8')
        .replace('  - alerts.yml', `  - ${JSON.stringify(path.join(dir, 'alerts.yml'))}`)
        .replace('node_id: "7", node: edge-7 }', 'node_id: "8", node: edge-8 }');
      fs.writeFileSync(path.join(tmp, 'broken.test.yml'), broken);
      try {
        const result = await runPromtool(tool.promtool!, ['test', 'rules', 'broken.test.yml'], tmp);
        expect(result.code).not.toBe(0);
        expect(result.output).toContain('WirefleetNodeOffline');
      } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
      }
    });
  },
);

describe('alert test coverage', () => {
  it('every alert has a case where it fires and one where it stays quiet', () => {
    const names = alertNames(fs.readFileSync(`${dir}/alerts.yml`, 'utf8'));
    const cases = casesByAlert(fs.readFileSync(`${dir}/alerts.test.yml`, 'utf8'));
    expect(names.length).toBeGreaterThanOrEqual(10);
    const uncovered = names.filter((name) => !cases.get(name)?.fires || !cases.get(name)?.quiet);
    expect(uncovered).toEqual([]);
  });
});
