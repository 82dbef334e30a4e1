import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, envField, exactOrigin, parseEnv } from './env.js';

const schema = z.object({ ALLOWED_ORIGINS: envField.origins().default([]) });

function problemsOf(value: string): string[] {
  try {
    parseEnv(schema, { ALLOWED_ORIGINS: value });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('envField.origins: exact browser origins or a refusal naming the variable', () => {
  it('takes exact origins, normalised as browsers send them', () => {
    const { ALLOWED_ORIGINS } = parseEnv(schema, {
      ALLOWED_ORIGINS:
        'https://dashboard.example.com, http://127.0.0.1:5173,https://Upper.Example.com/,https://x.example.com:443',
    });
    expect(ALLOWED_ORIGINS).toEqual([
      'https://dashboard.example.com',
      'http://127.0.0.1:5173',
      'https://upper.example.com',
      'https://x.example.com',
    ]);
  });

  it('is empty when unset', () => {
    expect(parseEnv(schema, {}).ALLOWED_ORIGINS).toEqual([]);
  });

  it.each([
    'not a url',
    'dashboard.example.com',
    'https://dashboard.example.com/app',
    'https://dashboard.example.com?x=1',
    'https://dashboard.example.com#top',
    'https://user:pw@dashboard.example.com',
    'ftp://dashboard.example.com',
    'https:dashboard.example.com',
    '*',
  ])('refuses %j, naming ALLOWED_ORIGINS and the entry', (entry) => {
    const problems = problemsOf(`https://ok.example.com,${entry}`);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(
      `ALLOWED_ORIGINS: ${JSON.stringify(entry)} is not an origin; expected scheme://host[:port]`,
    );
  });

  it('exactOrigin is undefined for anything a browser would never send as Origin', () => {
    expect(exactOrigin('https://a.example.com')).toBe('https://a.example.com');
    expect(exactOrigin('https://a.example.com/path')).toBeUndefined();
  });
});
