import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { errorCatalogue, errorCodes } from './catalogue.js';

/** docs/errors.md is what client authors read: it must list exactly the codes the services use. */
describe('the error catalogue and docs/errors.md agree', () => {
  const doc = fs.readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
  const rows = [...doc.matchAll(/^\| `([a-z_]+)` \| (\d{3}) \|/gm)].map((match) => ({ code: match[1]!, status: Number(match[2]) }));

  it('documents every code with its status', () => {
    for (const code of errorCodes) {
      expect(rows, `docs/errors.md lacks ${code}`).toContainEqual({ code, status: errorCatalogue[code].status });
    }
  });

  it('documents no code that does not exist', () => {
    for (const row of rows) expect(errorCodes).toContain(row.code);
  });
});
