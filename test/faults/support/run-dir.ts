import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stopLeftoverPostgres } from '../../support/pg-cluster.js';

const PREFIX = 'wf-faults-';
/** Every process the run starts carries this variable, so a later run can tell its leftovers. */
export const RUN_MARKER = 'WF_FAULTS_RUN';

/** A fault-suite run's private folder (databases, keys, agent folders) and process list. */
export interface RunDir {
  id: string;
  dir: string;
  /** `{ WF_FAULTS_RUN: id }`: put it in every child's environment. */
  marker: Record<string, string>;
  recordPid(pid: number): void;
  remove(): Promise<void>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function carriesMarker(pid: number, id: string): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`${RUN_MARKER}=${id}`);
  } catch {
    return false;
  }
}

/**
 * Removes what crashed runs left behind: for each run folder whose owner is gone, SIGKILLs the
 * processes it recorded (only those still carrying its marker, so a reused pid is never hit),
 * stops its Postgres, and deletes the folder.
 */
async function sweepLeftovers(): Promise<void> {
  for (const name of fs.readdirSync(os.tmpdir()).filter((entry) => entry.startsWith(PREFIX))) {
    const dir = path.join(os.tmpdir(), name);
    const owner = Number(fs.readFileSync(path.join(dir, 'owner.pid'), { encoding: 'utf8', flag: 'a+' }) || 0);
    if (owner > 0 && alive(owner)) continue;
    const pids = fs.readFileSync(path.join(dir, 'pids'), { encoding: 'utf8', flag: 'a+' }).split('\n').map(Number);
    for (const pid of pids.filter((p) => p > 0 && carriesMarker(p, name))) process.kill(pid, 'SIGKILL');
    await stopLeftoverPostgres(path.join(dir, 'pg'));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function createRunDir(): Promise<RunDir> {
  await sweepLeftovers();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), PREFIX));
  // Traversable by the postgres user, whose cluster lives in a subfolder; nothing here is listable.
  fs.chmodSync(dir, 0o711);
  fs.writeFileSync(path.join(dir, 'owner.pid'), String(process.pid));
  const id = path.basename(dir);
  return {
    id,
    dir,
    marker: { [RUN_MARKER]: id },
    recordPid: (pid) => fs.appendFileSync(path.join(dir, 'pids'), `${pid}\n`),
    remove: async () => {
      await stopLeftoverPostgres(path.join(dir, 'pg'));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
