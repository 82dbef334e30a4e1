import { setTimeout as sleep } from 'node:timers/promises';
import type { AdminApi, CommandView, NodeView } from './admin-api.js';

export interface Laggard {
  id: number;
  name: string;
  desired: number;
  applied: number | null;
}

export interface Convergence {
  converged: boolean;
  /** From `since` to the first poll that found every node at its desired revision. */
  ms: number;
  /** Nodes behind at the last poll (empty once converged). */
  laggards: Laggard[];
}

const behind = (nodes: NodeView[]): Laggard[] =>
  nodes
    .filter((node) => node.applied_revision !== node.desired_revision)
    .map((node) => ({ id: node.id, name: node.name, desired: node.desired_revision, applied: node.applied_revision }));

/** Polls GET /v1/nodes until every node's applied_revision equals its desired_revision, or `deadline`. */
export async function waitConverged(api: AdminApi, since: number, deadline: number): Promise<Convergence> {
  let laggards: Laggard[] = [{ id: 0, name: '(no answer from GET /v1/nodes)', desired: 0, applied: null }];
  // At least one poll, even when the deadline has passed already.
  for (let poll = 0; poll < 10_000; poll += 1) {
    const nodes = await api.nodes();
    if (nodes) {
      laggards = behind(nodes);
      if (laggards.length === 0) return { converged: true, ms: Date.now() - since, laggards };
    }
    if (Date.now() >= deadline) break;
    await sleep(250);
  }
  return { converged: false, ms: Date.now() - since, laggards };
}

const TERMINAL = new Set(['succeeded', 'failed', 'expired']);

/** Polls GET /v1/commands/:id until each is succeeded/failed/expired, or `deadline`; the last view of each. */
export async function waitCommandsSettled(api: AdminApi, ids: string[], deadline: number): Promise<Map<string, CommandView | undefined>> {
  const views = new Map<string, CommandView | undefined>(ids.map((id) => [id, undefined]));
  const open = () => ids.filter((id) => !TERMINAL.has(views.get(id)?.status ?? ''));
  // At least one poll, even when the deadline has passed already.
  for (let poll = 0; poll < 10_000 && open().length > 0; poll += 1) {
    for (const id of open()) {
      const view = await api.command(id);
      if (view) views.set(id, view);
    }
    if (open().length === 0 || Date.now() >= deadline) break;
    await sleep(500);
  }
  return views;
}
