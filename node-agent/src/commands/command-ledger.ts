import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../config/files.js';
import type { CommandOutcome } from './command-runner.js';

/** What the ledger keeps of one command. */
interface LedgerEntry {
  /** After this the control plane never delivers the command again, so its id can be forgotten. */
  expires_at: string;
  /** `running` from just before it starts; `done` once its outcome is known. */
  state: 'running' | 'done';
  /** The outcome still to be reported; dropped once the gateway accepted the result. */
  unreported?: CommandOutcome;
}

interface LedgerFile {
  version: 1;
  commands: Record<string, LedgerEntry>;
}

/** Kept after expiry for clock skew between the agent and the auth-api. */
const FORGET_AFTER_EXPIRY_MS = 24 * 3600 * 1000;
/** A bound on the file, whatever the command rate: the oldest reported ids go first. */
const MAX_ENTRIES = 10_000;
const FILE_NAME = 'commands.json';

/**
 * The commands this node has run, in `<config dir>/state/commands.json`, so that each runs at
 * most once across reconnects, duplicate deliveries (live event and fetch) and restarts, and
 * its result reaches the control plane even when the connection dropped while it ran.
 *
 * An id is written (fsync'd) *before* the command starts. A command that was running when the
 * agent died is therefore never started again: at the next start it is reported as failed
 * ("interrupted") instead — at most once, never twice.
 */
export class CommandLedger {
  private readonly file: string;
  private readonly commands: Map<string, LedgerEntry>;
  /** Set when the file could not be read and was moved here: the agent logs it. */
  readonly setAside: string | undefined;

  constructor(
    stateDir: string,
    private readonly now: () => number = Date.now,
  ) {
    this.file = path.join(stateDir, FILE_NAME);
    const { commands, setAside } = readLedger(this.file, now);
    this.commands = new Map(Object.entries(commands));
    this.setAside = setAside;
    this.interruptRunning();
  }

  /** Records `id` as running and returns true, or returns false when it was seen before. */
  claim(id: string, expiresAt: string): boolean {
    if (this.commands.has(id)) return false;
    this.commands.set(id, { expires_at: expiresAt, state: 'running' });
    this.save();
    return true;
  }

  /** The command finished: its outcome waits to be reported. */
  finish(id: string, outcome: CommandOutcome): void {
    const entry = this.commands.get(id);
    if (!entry) return;
    entry.state = 'done';
    entry.unreported = outcome;
    this.save();
  }

  /** The gateway accepted the result: nothing left to send for `id`. */
  reported(id: string): void {
    const entry = this.commands.get(id);
    if (!entry?.unreported) return;
    entry.unreported = undefined;
    this.save();
  }

  /** Results not yet accepted, oldest first. */
  unreported(): Array<{ id: string; outcome: CommandOutcome }> {
    const pending: Array<{ id: string; outcome: CommandOutcome }> = [];
    for (const [id, entry] of this.commands) if (entry.unreported) pending.push({ id, outcome: entry.unreported });
    return pending;
  }

  has(id: string): boolean {
    return this.commands.has(id);
  }

  private interruptRunning(): void {
    let changed = false;
    for (const entry of this.commands.values()) {
      if (entry.state !== 'running') continue;
      entry.state = 'done';
      entry.unreported = { ok: false, error: 'interrupted: the agent stopped while this command ran; it was not run again' };
      changed = true;
    }
    if (changed) this.save();
  }

  private save(): void {
    this.forgetOld();
    const file: LedgerFile = { version: 1, commands: Object.fromEntries(this.commands) };
    writeFileAtomic(this.file, JSON.stringify(file));
  }

  /** Drops reported commands the control plane can no longer deliver; keeps the file bounded. */
  private forgetOld(): void {
    const horizon = this.now() - FORGET_AFTER_EXPIRY_MS;
    for (const [id, entry] of this.commands) {
      if (!entry.unreported && entry.state === 'done' && Date.parse(entry.expires_at) < horizon) this.commands.delete(id);
    }
    // Map order is insertion order: the oldest come first.
    for (const [id, entry] of this.commands) {
      if (this.commands.size <= MAX_ENTRIES) break;
      if (!entry.unreported && entry.state === 'done') this.commands.delete(id);
    }
  }
}

/**
 * A missing file is an empty ledger. One that does not parse (written atomically, so only a
 * damaged disk or a hand edit does that) is moved aside and the agent starts with an empty
 * ledger, rather than refusing to run at all.
 */
function readLedger(file: string, now: () => number): { commands: Record<string, LedgerEntry>; setAside?: string } {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { commands: {} };
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as Partial<LedgerFile>;
    if (parsed.version === 1 && typeof parsed.commands === 'object' && parsed.commands !== null) return { commands: parsed.commands };
  } catch {
    // Falls through to setting the file aside.
  }
  const setAside = `${file}.unreadable-${now()}`;
  fs.renameSync(file, setAside);
  return { commands: {}, setAside };
}
