import { Redis } from 'ioredis';
import type { StormExpectation, StormReport, StormTarget, ViewerSpec } from '../../support/storm-protocol.js';
import type { StormProcess } from '../../support/storm-processes.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Opens `viewers` split evenly over the workers; throws unless every one is live. */
export async function openViewers(
  workers: StormProcess[],
  target: StormTarget,
  viewers: ViewerSpec[],
  concurrency: number,
): Promise<void> {
  const share = Math.ceil(viewers.length / workers.length);
  const replies = await Promise.all(
    workers.map((worker, index) =>
      worker.request({
        type: 'open',
        target,
        viewers: viewers.slice(index * share, (index + 1) * share),
        concurrency,
      }),
    ),
  );
  const open = replies.reduce((sum, reply) => sum + (reply.type === 'opened' ? reply.open : 0), 0);
  if (open < viewers.length) {
    const failures = replies.map((reply) => (reply.type === 'opened' ? reply.failures : {}));
    throw new Error(`only ${open} of ${viewers.length} viewers opened: ${JSON.stringify(failures)}`);
  }
}

export async function expectEverywhere(
  processes: StormProcess[],
  expectation: StormExpectation,
): Promise<void> {
  await Promise.all(processes.map((process) => process.request({ type: 'expect', expectation })));
}

/** Reports of every process, merged. */
export async function mergedReport(processes: StormProcess[]): Promise<StormReport> {
  const reports = await Promise.all(processes.map((process) => process.report()));
  const sumRecords = (records: Array<Record<string, number>>) => {
    const merged: Record<string, number> = {};
    for (const record of records)
      for (const [key, value] of Object.entries(record)) merged[key] = (merged[key] ?? 0) + value;
    return merged;
  };
  const sum = (pick: (report: StormReport) => number) =>
    reports.reduce((total, report) => total + pick(report), 0);
  return {
    clients: sum((report) => report.clients),
    liveBefore: sum((report) => report.liveBefore),
    liveAfterMs: reports.flatMap((report) => report.liveAfterMs),
    attempts: sum((report) => report.attempts),
    failures: sumRecords(reports.map((report) => report.failures)),
    notRecovered: sum((report) => report.notRecovered),
    silentGaps: sum((report) => report.silentGaps),
    gaveUp: sum((report) => report.gaveUp),
    logged: sumRecords(reports.map((report) => report.logged)),
    errors: reports.flatMap((report) => report.errors).slice(0, 5),
  };
}

/** Polls until every client is live again or `deadline` (ms since the epoch) passes. */
export async function waitAllLive(processes: StormProcess[], deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    const reports = await Promise.all(processes.map((process) => process.report()));
    if (reports.every((report) => report.liveAfterMs.every((value) => value !== null))) return;
    await sleep(250);
  }
}

/** The Redis server's pid when it runs on this machine (its /proc entry is readable), for sampling. */
export async function redisPid(url: string): Promise<number | undefined> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await client.connect();
    const info = await client.info('server');
    const pid = Number(/process_id:(\d+)/.exec(info)?.[1]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } finally {
    client.disconnect();
  }
}
