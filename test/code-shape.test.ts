import { describe, expect, it } from 'vitest';
import { MAX_FILE_LINES, MAX_FUNCTION_LINES, measureFile, violations } from '../infra/lint/code-shape.js';

const body = (lines: number) => Array.from({ length: lines }, (_, i) => `  const v${i} = ${i};`).join('\n');

describe('the code-shape check run by npm run lint', () => {
  it('names functions of every kind over the limit, and files over theirs', () => {
    const text = [
      `export function long() {\n${body(MAX_FUNCTION_LINES)}\n}`,
      `const arrow = () => {\n${body(MAX_FUNCTION_LINES)}\n};`,
      `class K {\n  method() {\n${body(MAX_FUNCTION_LINES)}\n  }\n}`,
      `function short() {\n${body(3)}\n}`,
    ].join('\n');
    const ids = measureFile('x/src/a.ts', text).map((offender) => offender.id);
    expect(ids).toEqual(expect.arrayContaining(['x/src/a.ts#long', 'x/src/a.ts#arrow', 'x/src/a.ts#method']));
    expect(ids).not.toContain('x/src/a.ts#short');
    const longFile = `${'const a = 1;\n'.repeat(MAX_FILE_LINES + 1)}`;
    expect(measureFile('x/src/b.ts', longFile)).toEqual([
      { id: 'x/src/b.ts', lines: MAX_FILE_LINES + 1, limit: MAX_FILE_LINES },
    ]);
  });

  it('lets a known offender shrink, never grow, and admits no new one', () => {
    const baseline = { 'a.ts#f': 80 };
    expect(violations([{ id: 'a.ts#f', lines: 70, limit: 60 }], baseline)).toEqual([]);
    expect(violations([{ id: 'a.ts#f', lines: 81, limit: 60 }], baseline)).toHaveLength(1);
    expect(violations([{ id: 'b.ts#g', lines: 61, limit: 60 }], baseline)).toHaveLength(1);
  });
});
