import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CommandLedger } from './command-ledger.js';

const dirs: string[] = [];
const stateDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wf-ledger-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

const ID = '00000000-0000-4000-8000-000000000001';
const LATER = new Date(Date.now() + 60_000).toISOString();

describe('CommandLedger', () => {
  it('claims an id once, across instances on the same folder (a restarted agent)', () => {
    const dir = stateDir();
    const ledger = new CommandLedger(dir);
    expect(ledger.claim(ID, LATER)).toBe(true);
    expect(ledger.claim(ID, LATER)).toBe(false);
    expect(new CommandLedger(dir).claim(ID, LATER)).toBe(false);
  });

  it('keeps a result until it is reported, across restarts', () => {
    const dir = stateDir();
    const ledger = new CommandLedger(dir);
    ledger.claim(ID, LATER);
    ledger.finish(ID, { ok: true, output: 'pong' });
    expect(new CommandLedger(dir).unreported()).toEqual([{ id: ID, outcome: { ok: true, output: 'pong' } }]);
    ledger.reported(ID);
    expect(new CommandLedger(dir).unreported()).toEqual([]);
  });

  it('reports a command that was running when the agent died as interrupted, and never runs it again', () => {
    const dir = stateDir();
    new CommandLedger(dir).claim(ID, LATER);
    const restarted = new CommandLedger(dir);
    expect(restarted.unreported()).toEqual([{ id: ID, outcome: { ok: false, error: expect.stringMatching(/^interrupted/) } }]);
    expect(restarted.claim(ID, LATER)).toBe(false);
  });

  it('forgets reported commands a day after they expired', () => {
    const dir = stateDir();
    let now = Date.now();
    const ledger = new CommandLedger(dir, () => now);
    ledger.claim(ID, new Date(now + 1000).toISOString());
    ledger.finish(ID, { ok: true });
    ledger.reported(ID);
    now += 2 * 24 * 3600 * 1000;
    ledger.claim('00000000-0000-4000-8000-000000000002', new Date(now + 1000).toISOString());
    expect(new CommandLedger(dir).has(ID)).toBe(false);
  });

  it('sets an unreadable file aside and starts empty instead of refusing to run', () => {
    const dir = stateDir();
    fs.writeFileSync(path.join(dir, 'commands.json'), '{"version":1,"comm');
    const ledger = new CommandLedger(dir);
    expect(ledger.setAside).toMatch(/commands\.json\.unreadable-\d+$/);
    expect(fs.existsSync(ledger.setAside!)).toBe(true);
    expect(ledger.claim(ID, LATER)).toBe(true);
  });
});
