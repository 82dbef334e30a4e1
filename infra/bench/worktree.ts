/**
 * A temporary checkout of another revision, beside this repository (never inside it), that can
 * build and run the benchmarks without its own `npm ci`: it borrows this tree's installed
 * packages. Removing it leaves nothing behind in the repository but git's own bookkeeping,
 * which `git worktree remove` and `prune` clear.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface Worktree {
  dir: string;
  /** Removes the checkout and its registration; safe to call twice. */
  remove(): void;
}

function git(repo: string, args: string[]): string {
  return execFileSync('git', ['-C', repo, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}

/** The full commit id of `rev`, or an error naming it. */
export function resolveCommit(repo: string, rev: string): string {
  try {
    return git(repo, ['rev-parse', '--verify', '--quiet', `${rev}^{commit}`]);
  } catch {
    throw new Error(`${rev} is not a commit of ${repo}`);
  }
}

export function describeCommit(repo: string, commit: string): { short: string; subject: string } {
  const short = git(repo, ['rev-parse', '--short', commit]);
  const subject = git(repo, ['log', '-1', '--format=%s', commit]);
  return { short, subject: subject.length > 100 ? `${subject.slice(0, 99)}…` : subject };
}

/** Whether the tree has changes not in HEAD: then "after" is more than HEAD and says so. */
export function hasLocalChanges(repo: string): boolean {
  return git(repo, ['status', '--porcelain', '--untracked-files=no']).length > 0;
}

export function pruneWorktrees(repo: string): void {
  git(repo, ['worktree', 'prune']);
}

/** A detached checkout of `commit` at `dir` (which must not exist yet). */
export function addWorktree(repo: string, commit: string, dir: string): Worktree {
  git(repo, ['worktree', 'add', '--detach', dir, commit]);
  let removed = false;
  return {
    dir,
    remove() {
      if (removed) return;
      removed = true;
      // The borrowed node_modules are links into this tree: unlink them ourselves first so
      // nothing that removes the checkout can walk into the packages they point at.
      for (const folder of nodeModulesFolders(dir)) fs.rmSync(folder, { recursive: true, force: true });
      try {
        git(repo, ['worktree', 'remove', '--force', dir]);
      } catch {
        // A half-created checkout may not be registered: delete it and let prune forget it.
        fs.rmSync(dir, { recursive: true, force: true });
        pruneWorktrees(repo);
      }
    },
  };
}

/** The workspace folders a checkout declares in its package.json, the root first. */
export function workspaceFolders(root: string): string[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    workspaces?: string[];
  };
  return ['.', ...(manifest.workspaces ?? [])];
}

function nodeModulesFolders(root: string): string[] {
  if (!fs.existsSync(path.join(root, 'package.json'))) return [];
  return workspaceFolders(root).map((folder) => path.join(root, folder, 'node_modules'));
}

/**
 * Fills `to` with links to the packages in `from`. A relative link (npm's link to a workspace,
 * `../../shared`) is copied as it is, so in the checkout it points at the checkout's own
 * workspace, built from the old sources; every other package links to this tree's copy.
 * Dot entries other than `.bin` are caches (vite, vitest) that two trees must not share.
 */
export function linkPackages(from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    if (entry.name.startsWith('.') && entry.name !== '.bin') continue;
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isSymbolicLink()) {
      fs.symlinkSync(fs.readlinkSync(source), target);
    } else if (entry.isDirectory() && entry.name.startsWith('@')) {
      linkPackages(source, target);
    } else {
      fs.symlinkSync(source, target);
    }
  }
}

/** Links this tree's node_modules (and each workspace's, where it has one) into the checkout. */
export function linkNodeModules(mainRoot: string, treeRoot: string): void {
  for (const folder of workspaceFolders(treeRoot)) {
    const from = path.join(mainRoot, folder, 'node_modules');
    if (fs.existsSync(from) && fs.existsSync(path.join(treeRoot, folder)))
      linkPackages(from, path.join(treeRoot, folder, 'node_modules'));
  }
}
