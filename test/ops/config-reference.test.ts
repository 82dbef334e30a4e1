import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configReferenceFiles, driftedFiles } from '../../infra/config-reference/main.js';
import { formatOf } from '../../infra/config-reference/schema-docs.js';
import { SECTIONS } from '../../infra/config-reference/sections.js';
import { root } from './support/queries.js';

const documented = (id: string) =>
  new Set(SECTIONS.find((section) => section.id === id)!.settings.map((s) => s.name));

/** Environment variables a folder's (non-test) sources read: `process.env.X` and quoted WIREFLEET_ names. */
function envReadIn(dir: string): Set<string> {
  const names = new Set<string>();
  for (const entry of fs.readdirSync(path.join(root, dir), { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts') || /\.test(-suite)?\.ts$/.test(entry.name)) continue;
    const text = fs.readFileSync(path.join(entry.parentPath, entry.name), 'utf8');
    for (const match of text.matchAll(/process\.env\.([A-Z][A-Z0-9_]*)|'(WIREFLEET_[A-Z0-9_]+)'/g))
      names.add((match[1] ?? match[2])!);
  }
  return names;
}

describe('configuration reference (.env.example, docs/configuration.md)', () => {
  it('is what npm run config:reference generates from the schemas now', () => {
    expect(driftedFiles(), 'run npm run config:reference').toEqual([]);
  });

  it('documents every variable of the auth-api and gateway schemas, each with a description and format', () => {
    const files = configReferenceFiles();
    for (const section of SECTIONS) {
      expect(section.settings.length, section.id).toBeGreaterThan(0);
      for (const setting of section.settings) {
        expect(setting.description.length, setting.name).toBeGreaterThan(10);
        expect(files['docs/configuration.md']).toContain(`| \`${setting.name}\` |`);
        if (section.kind === 'env') expect(files['.env.example']).toContain(`# ${setting.name}=`);
      }
    }
    expect(documented('auth-api')).toContain('DATABASE_URL');
    expect(documented('gateway')).toContain('GATEWAY_MAX_BACKPRESSURE');
  });

  it('never writes a secret or a machine-dependent value into .env.example', () => {
    const env = configReferenceFiles()['.env.example'];
    for (const name of ['DATA_ENCRYPTION_KEY', 'ADMIN_PASSWORD', 'WIREFLEET_ENROLLMENT_KEY'])
      expect(env).toContain(`# ${name}=\n`);
    expect(env).toContain('# ARGON2_MAX_CONCURRENCY=\n');
    expect(env).not.toContain(root);
  });

  it('documents every variable the agent and the dev stack read by hand', () => {
    const agent = documented('agent-env');
    expect([...envReadIn('node-agent/src')].filter((name) => !agent.has(name))).toEqual([]);
    const known = new Set([
      ...documented('auth-api'),
      ...documented('gateway'),
      ...agent,
      ...documented('npm-start'),
    ]);
    expect([...envReadIn('infra/dev')].filter((name) => !known.has(name))).toEqual([]);
  });

  it('says ranges and lists as a reader would', () => {
    expect(formatOf({ type: 'integer', minimum: 1, maximum: 64 })).toBe('whole number, 1–64');
    expect(formatOf({ type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER })).toBe(
      'whole number ≥ 1',
    );
    expect(formatOf({ type: 'string', enum: ['0', '1', 'true', 'false', 'yes', 'no'] })).toBe(
      'true or false (also 1/0, yes/no)',
    );
    expect(formatOf({ type: 'string', enum: ['a', 'b'] })).toBe('one of a, b');
  });
});
