import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderEnvExample, renderMarkdown } from './render.js';
import { SECTIONS } from './sections.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** The generated files, by path from the repository root. */
export function configReferenceFiles(): Record<string, string> {
  return {
    '.env.example': renderEnvExample(SECTIONS),
    'docs/configuration.md': renderMarkdown(SECTIONS),
  };
}

/** Paths whose content on disk differs from what the schemas generate. */
export function driftedFiles(): string[] {
  return Object.entries(configReferenceFiles())
    .filter(([file, text]) => !fs.existsSync(root + file) || fs.readFileSync(root + file, 'utf8') !== text)
    .map(([file]) => file);
}

// `npm run config:reference` writes both files; `-- --check` only says whether they drifted.
if (process.argv[1] && fileURLToPath(import.meta.url) === fs.realpathSync(process.argv[1])) {
  if (process.argv.includes('--check')) {
    const drifted = driftedFiles();
    if (drifted.length > 0) {
      process.stderr.write(`out of date: ${drifted.join(', ')} (run npm run config:reference)\n`);
      process.exit(1);
    }
  } else {
    for (const [file, text] of Object.entries(configReferenceFiles())) {
      fs.writeFileSync(root + file, text);
      process.stdout.write(`wrote ${file}\n`);
    }
  }
}
