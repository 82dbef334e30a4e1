/**
 * `npm run lint` (after biome): the code-shape limits of issue #13, as a ratchet.
 * - no function (declaration, method, arrow or function expression) over 60 lines;
 * - no source file over 350 lines;
 * in the services' and shared `src/` folders (tests, migrations and generated files aside).
 *
 * Code that broke a limit before the limits existed is listed in code-shape-baseline.json with
 * its size then: it may shrink, never grow, and nothing new may join it. `--update` rewrites the
 * baseline from today's code (run it after a refactor that shrank something, never to admit a
 * new offender).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BASELINE = fileURLToPath(new URL('./code-shape-baseline.json', import.meta.url));
const SOURCE_ROOTS = [
  'shared/src',
  'auth-api/src',
  'auth-api/web/src',
  'gateway-service/src',
  'node-agent/src',
];
export const MAX_FUNCTION_LINES = 60;
export const MAX_FILE_LINES = 350;

/** One measured thing over its limit: `file` or `file#name@line`, and its lines. */
export interface Offender {
  id: string;
  lines: number;
  limit: number;
}

function sourceFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory())
      return entry.name === 'node_modules' || entry.name === 'dist' ? [] : sourceFiles(full);
    const isSource = /\.tsx?$/.test(entry.name) && !/\.d\.ts$/.test(entry.name);
    const isTest = /\.(test|int\.test|test-suite|browser\.test)\.tsx?$/.test(entry.name);
    return isSource && !isTest ? [full] : [];
  });
}

function functionName(node: ts.Node): string {
  const named = node as ts.Node & { name?: ts.Node };
  if (named.name && ts.isIdentifier(named.name)) return named.name.text;
  const parent = node.parent;
  if (parent && ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  if (parent && ts.isPropertyAssignment(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  return '(anonymous)';
}

/** Every function over the limit in one file, and the file itself when it is too long. */
export function measureFile(file: string, text: string): Offender[] {
  const source = ts.createSourceFile(
    file,
    text,
    ts.ScriptTarget.Latest,
    true,
    file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS,
  );
  const offenders: Offender[] = [];
  const lineOf = (position: number) => source.getLineAndCharacterOfPosition(position).line + 1;
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && (node as ts.FunctionLikeDeclaration).body) {
      const start = lineOf(node.getStart(source));
      const lines = lineOf(node.getEnd()) - start + 1;
      if (lines > MAX_FUNCTION_LINES)
        offenders.push({ id: `${file}#${functionName(node)}`, lines, limit: MAX_FUNCTION_LINES });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  const fileLines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
  if (fileLines > MAX_FILE_LINES) offenders.push({ id: file, lines: fileLines, limit: MAX_FILE_LINES });
  return offenders;
}

function measureAll(): Offender[] {
  return SOURCE_ROOTS.flatMap((root) => sourceFiles(path.join(ROOT, root))).flatMap((full) =>
    measureFile(path.relative(ROOT, full).split(path.sep).join('/'), fs.readFileSync(full, 'utf8')),
  );
}

/** The offenders that are new or grew past their baseline size. */
export function violations(current: Offender[], baseline: Record<string, number>): Offender[] {
  return current.filter(
    (offender) => baseline[offender.id] === undefined || offender.lines > baseline[offender.id]!,
  );
}

function main(): number {
  const current = measureAll();
  if (process.argv.includes('--update')) {
    const entries = current
      .map((offender) => [offender.id, offender.lines] as const)
      .sort(([a], [b]) => a.localeCompare(b));
    fs.writeFileSync(BASELINE, `${JSON.stringify(Object.fromEntries(entries), null, 2)}\n`);
    process.stdout.write(`code shape: baseline rewritten with ${entries.length} entries\n`);
    return 0;
  }
  const baseline = JSON.parse(fs.readFileSync(BASELINE, 'utf8')) as Record<string, number>;
  const broken = violations(current, baseline);
  for (const offender of broken) {
    const was = baseline[offender.id];
    process.stderr.write(
      `${offender.id}: ${offender.lines} lines (limit ${offender.limit}${was === undefined ? '' : `, was ${was}`})\n`,
    );
  }
  const shrunk = Object.keys(baseline).filter(
    (id) => !current.some((offender) => offender.id === id && offender.lines >= baseline[id]!),
  );
  if (shrunk.length > 0)
    process.stdout.write(
      `code shape: ${shrunk.length} baseline entries shrank or went; tighten with --update\n`,
    );
  if (broken.length > 0) {
    process.stderr.write(
      `code shape: ${broken.length} function(s) or file(s) over the limits (split them; see infra/lint/code-shape.ts)\n`,
    );
    return 1;
  }
  process.stdout.write(`code shape: ok (${current.length} known offenders, none grew)\n`);
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) process.exit(main());
