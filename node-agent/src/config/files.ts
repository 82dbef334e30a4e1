import fs from 'node:fs';
import path from 'node:path';

/** Writes a file so that a reader never sees it half-written: temp file, fsync, rename. */
export function writeFileAtomic(file: string, contents: string, mode = 0o600): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(temporary, 'w', mode);
  try {
    fs.writeFileSync(fd, contents);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.chmodSync(temporary, mode);
  fs.renameSync(temporary, file);
}

export class AgentConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AgentConfigError';
  }
}

/** Reads a secret file, refusing one that others can read (the private key must stay private). */
export function readSecretFile(file: string): string {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new AgentConfigError(`${file}: cannot read (run 'wirefleet-agent enroll' first)`);
  }
  if ((stat.mode & 0o077) !== 0) {
    throw new AgentConfigError(`${file}: mode ${(stat.mode & 0o777).toString(8)} lets others read it; chmod 600 it`);
  }
  return fs.readFileSync(file, 'utf8').trim();
}
