import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../config/files.js';

export const BUNDLE_NAME = 'wirefleet-agent.mjs';

/** What the agent reports of its self-update (`status.update`, `wirefleet-agent status`). */
export interface UpdateState {
  state: 'downloading' | 'verifying' | 'restarting' | 'updated' | 'rolled_back' | 'failed';
  version: string;
  error?: string;
  at: string;
}

/** A switch not yet confirmed: the new build has not reported a successful `config.applied`. */
export interface PendingSwitch {
  version: string;
  /** The version switched from (what a rollback returns to). */
  from: string;
  switched_at: string;
  /** How many times a build was started on it (the supervisor or ExecStartPre counts). */
  starts: number;
}

/**
 * The agent builds kept in the state folder, and the files that make a switch safe:
 *
 *     releases/<version>/wirefleet-agent.mjs   each downloaded and verified build
 *     current  -> the build to run (a symlink; absent: the installed one)
 *     previous -> the build run before `current` (what a rollback returns to)
 *     update.json          the last update's state, reported in `status`
 *     update-pending.json  a switch the new build has not yet confirmed
 *     confirmed-version    written by a build once it reported a successful config.applied
 *     bad-versions.json    versions rolled back from: never installed again
 *
 * A symlink is switched by creating it under a temporary name and renaming it over the old one,
 * so `current` always names a whole build.
 */
export class ReleaseStore {
  constructor(readonly dir: string) {}

  get current(): string {
    return path.join(this.dir, 'current');
  }

  get previous(): string {
    return path.join(this.dir, 'previous');
  }

  releaseFile(version: string): string {
    return path.join(this.dir, 'releases', version, BUNDLE_NAME);
  }

  /** Where `link` points (absolute), or undefined when there is no such link. */
  target(link: string): string | undefined {
    try {
      return path.resolve(path.dirname(link), fs.readlinkSync(link));
    } catch {
      return undefined;
    }
  }

  /** Points `link` at `target` atomically (a relative link when the target is in the folder). */
  pointAt(link: string, target: string): void {
    const relative = path.relative(this.dir, target);
    const value = relative.startsWith('..') || path.isAbsolute(relative) ? target : relative;
    const temporary = `${link}.${process.pid}.tmp`;
    fs.rmSync(temporary, { force: true });
    fs.symlinkSync(value, temporary);
    fs.renameSync(temporary, link);
  }

  /** `current` to `file`, the old current (or `installed` when there was none) kept as `previous`. */
  switchTo(file: string, installed: string): void {
    this.pointAt(this.previous, this.target(this.current) ?? installed);
    this.pointAt(this.current, file);
  }

  /** `current` back to `previous`. */
  rollBack(): void {
    const previous = this.target(this.previous);
    if (previous === undefined) fs.rmSync(this.current, { force: true });
    else this.pointAt(this.current, previous);
  }

  state(): UpdateState | undefined {
    return this.readJson<UpdateState>('update.json');
  }

  setState(state: Omit<UpdateState, 'at'>): UpdateState {
    const full = { ...state, at: new Date().toISOString() };
    writeFileAtomic(path.join(this.dir, 'update.json'), JSON.stringify(full));
    return full;
  }

  pending(): PendingSwitch | undefined {
    return this.readJson<PendingSwitch>('update-pending.json');
  }

  setPending(pending: PendingSwitch | undefined): void {
    const file = path.join(this.dir, 'update-pending.json');
    if (pending === undefined) fs.rmSync(file, { force: true });
    else writeFileAtomic(file, JSON.stringify(pending));
  }

  confirmedVersion(): string | undefined {
    try {
      return fs.readFileSync(path.join(this.dir, 'confirmed-version'), 'utf8').trim();
    } catch {
      return undefined;
    }
  }

  confirm(version: string): void {
    if (this.confirmedVersion() !== version)
      writeFileAtomic(path.join(this.dir, 'confirmed-version'), version);
  }

  badVersions(): string[] {
    return this.readJson<string[]>('bad-versions.json') ?? [];
  }

  markBad(version: string): void {
    const bad = this.badVersions();
    if (!bad.includes(version))
      writeFileAtomic(path.join(this.dir, 'bad-versions.json'), JSON.stringify([...bad, version].slice(-20)));
  }

  private readJson<T>(name: string): T | undefined {
    try {
      return JSON.parse(fs.readFileSync(path.join(this.dir, name), 'utf8')) as T;
    } catch {
      return undefined;
    }
  }
}
