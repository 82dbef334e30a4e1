import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '@wirefleet/shared/logging';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryDataplane } from '../dataplane/memory-dataplane.js';
import { CommandInbox } from './command-inbox.js';
import { CommandLedger } from './command-ledger.js';
import { CommandRunner } from './command-runner.js';

const logger = createLogger({ service: 'node-agent', level: 'silent' });
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

const command = (n: number, expiresInMs = 60_000) => ({
  id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  type: 'wg_show',
  args: {},
  expires_at: new Date(Date.now() + expiresInMs).toISOString(),
});

function inbox(options: { publish?: (data: Record<string, unknown>) => Promise<void>; pending?: unknown[] } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wf-inbox-'));
  dirs.push(dir);
  const dataplane = new MemoryDataplane(logger);
  const shows = vi.spyOn(dataplane, 'show');
  const published: Array<Record<string, unknown>> = [];
  const ledger = new CommandLedger(dir);
  const subject = new CommandInbox({
    ledger,
    runner: new CommandRunner(dataplane, '100.96.0.0/16'),
    publishResult: options.publish ?? (async (data) => void published.push(data)),
    fetchPending: async () => options.pending ?? [],
    logger,
  });
  return { subject, shows, published, ledger };
}

describe('CommandInbox', () => {
  it('runs a command delivered both live and by the fetch once, and reports it once', async () => {
    const first = command(1);
    const { subject, shows, published } = inbox({ pending: [first, command(2)] });
    subject.receive(first);
    await subject.catchUp();
    subject.receive(first);
    await vi.waitFor(() => expect(published).toHaveLength(2));
    expect(shows).toHaveBeenCalledTimes(2);
    expect(published.map((p) => p.command_id)).toEqual([first.id, command(2).id]);
  });

  it('keeps a result the gateway refused and sends it on the next flush, once', async () => {
    let online = false;
    const published: Array<Record<string, unknown>> = [];
    const { subject, ledger } = inbox({
      publish: async (data) => {
        if (!online) throw new Error('disconnected');
        published.push(data);
      },
    });
    subject.receive(command(3));
    await vi.waitFor(() => expect(ledger.unreported()).toHaveLength(1));
    online = true;
    await subject.flushResults();
    await subject.flushResults();
    expect(published).toEqual([expect.objectContaining({ command_id: command(3).id, ok: true })]);
    expect(ledger.unreported()).toEqual([]);
  });

  it('does not run an expired or malformed delivery', async () => {
    const { subject, shows, ledger } = inbox();
    subject.receive(command(4, -1000));
    subject.receive({ id: 'not-a-uuid', type: 'wg_show', expires_at: new Date().toISOString() });
    subject.receive(null);
    await new Promise((resolve) => setImmediate(resolve));
    expect(shows).not.toHaveBeenCalled();
    expect(ledger.has(command(4).id)).toBe(false);
  });
});
