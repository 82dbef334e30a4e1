/**
 * One load process of the reconnect-storm bench (started by storm-processes.ts with an IPC
 * channel): holds a share of the dashboards (storm-viewer.ts), opens them on command, and
 * reports when each was live again after the gateway was killed. Exits with its parent.
 */
import type { StormCommand, StormExpectation, StormReply } from './storm-protocol.js';
import { StormViewer, type ViewerTally } from './storm-viewer.js';

/** Safety net: whatever the parent does, this process does not outlive a bench run. */
const MAX_LIFETIME_MS = 15 * 60_000;
const OPEN_TRIES = 4;

let viewers: StormViewer[] = [];
let expectation: StormExpectation | undefined;
let tally: ViewerTally = freshTally();

function freshTally(): ViewerTally {
  return { attempts: 0, failures: {}, notRecovered: 0, silentGaps: 0, gaveUp: 0, errors: [] };
}

function reply(message: StormReply): void {
  process.send?.(message);
}

async function openAll(command: Extract<StormCommand, { type: 'open' }>): Promise<StormReply> {
  const failures: Record<string, number> = {};
  const errors: string[] = [];
  let next = 0;
  let open = 0;
  // The fill before the storm is not measured: a viewer the loaded gateway did not take in
  // time is tried again (up to OPEN_TRIES times), as its dashboard would reconnect.
  const opener = async () => {
    while (next < command.viewers.length) {
      const spec = command.viewers[next]!;
      next += 1;
      for (let tries = 1; tries <= OPEN_TRIES; tries += 1) {
        const viewer = new StormViewer(command.target, spec, tally, () => expectation);
        try {
          await viewer.open();
          viewers.push(viewer);
          open += 1;
          break;
        } catch (error) {
          if (tries < OPEN_TRIES) continue;
          const message = error instanceof Error ? error.message : String(error);
          failures[message] = (failures[message] ?? 0) + 1;
          if (errors.length < 3) errors.push(message);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(command.concurrency, command.viewers.length) }, opener));
  return { type: 'opened', id: command.id, open, failures, errors };
}

function report(id: number): StormReply {
  return {
    type: 'report',
    id,
    report: {
      clients: viewers.length,
      liveBefore: viewers.filter((viewer) => viewer.live).length,
      liveAfterMs: viewers.map((viewer) => viewer.liveAfterMs),
      attempts: tally.attempts,
      failures: tally.failures,
      notRecovered: tally.notRecovered,
      silentGaps: tally.silentGaps,
      gaveUp: tally.gaveUp,
      logged: {},
      errors: tally.errors,
    },
  };
}

function reset(): void {
  for (const viewer of viewers) viewer.stop();
  viewers = [];
  expectation = undefined;
  tally = freshTally();
}

process.on('message', (message: StormCommand) => {
  const fail = (error: unknown) =>
    reply({ type: 'failed', id: message.id, error: error instanceof Error ? error.message : String(error) });
  switch (message.type) {
    case 'open':
      openAll(message).then(reply, fail);
      return;
    case 'expect':
      expectation = message.expectation;
      return reply({ type: 'ok', id: message.id });
    case 'report':
      return reply(report(message.id));
    case 'reset':
      reset();
      return reply({ type: 'ok', id: message.id });
    case 'close':
      reset();
      reply({ type: 'ok', id: message.id });
      setTimeout(() => process.exit(0), 50);
  }
});
process.on('disconnect', () => process.exit(0));
setTimeout(() => process.exit(3), MAX_LIFETIME_MS).unref();
reply({ type: 'ready', id: 0 });
