import { describe, expect, it } from 'vitest';
import { enrollCommand, shellQuote } from './enroll-command.js';

describe('the enroll line', () => {
  it('is the agent’s CLI with the API URL and the key', () => {
    expect(enrollCommand('http://127.0.0.1:8080', 'wfek_abc-123')).toBe('WIREFLEET_ENROLLMENT_KEY=wfek_abc-123 wirefleet-agent enroll --api http://127.0.0.1:8080');
  });

  it('quotes anything a shell would interpret', () => {
    expect(shellQuote("it's $HOME")).toBe(`'it'\\''s $HOME'`);
  });
});
