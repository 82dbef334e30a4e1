import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from '../../support/child-service.js';
import { spawnWatched, type WatchedProcess } from '../../support/agent-process.js';
import { readMemory } from '../../support/procfs.js';

const DIST = (file: string) => pathToFileURL(path.join(REPO_ROOT, 'node-agent/dist', file)).href;

/**
 * Where an idle agent's memory goes when its compiled modules are loaded one by one: Node
 * processes that load a growing prefix of what `run` loads, each step adding one thing, so the
 * differences add up to the whole. Package names resolve from the repository root, as the
 * agent's own imports do. (zod is loaded only to word a refused config, so it is not here.)
 */
const STEPS: { label: string; imports: string[] }[] = [
  { label: 'bare ESM process', imports: [] },
  { label: 'pino', imports: ['pino'] },
  { label: 'ws', imports: ['ws'] },
  {
    label: "the agent's own modules and @wirefleet/shared",
    imports: [DIST('cli/run.js'), DIST('control/agent.js'), DIST('dataplane/linux/linux-dataplane.js')],
  },
];

export interface Attribution {
  stop(): Promise<void>;
  /** "pino +x MiB, zod +y MiB, …" from RSS read now. */
  describe(): string;
}

export function startAttribution(): Attribution {
  const processes: WatchedProcess[] = [];
  const loaded: string[] = [];
  for (const step of STEPS) {
    loaded.push(...step.imports);
    const script = `${loaded.map((name) => `await import(${JSON.stringify(name)});`).join(' ')} setInterval(() => {}, 1000);`;
    processes.push(spawnWatched(process.execPath, ['--input-type=module', '-e', script]));
  }
  return {
    async stop() {
      for (const child of processes) await child.stop();
    },
    describe() {
      const rss = processes.map((child) => {
        if (!child.alive()) throw new Error(`an attribution process exited:\n${child.output().slice(-1000)}`);
        return readMemory(child.pid).rssKiB / 1024;
      });
      const steps = STEPS.slice(1).map((step, i) => `${step.label} +${(rss[i + 1]! - rss[i]!).toFixed(1)}`);
      return (
        `Where it goes, unbundled (RSS of processes that only import a growing prefix of the agent's modules, read at the ` +
        `same moment): bare ESM process ${rss[0]!.toFixed(1)} MiB, then ${steps.join(', ')} MiB = ` +
        `${rss[rss.length - 1]!.toFixed(1)} MiB with every module loaded and nothing run.`
      );
    },
  };
}
