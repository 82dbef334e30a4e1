import type { FleetNode } from '../api/resources.js';

export type NodeStateFilter = 'all' | 'online' | 'offline' | 'behind' | 'error' | 'drift';

export interface NodeFilter {
  /** Matched against name, tunnel IP, endpoint, hostname and tags, case-insensitively. */
  text: string;
  region: string;
  state: NodeStateFilter;
  tag: string;
}

export const EMPTY_FILTER: NodeFilter = { text: '', region: '', state: 'all', tag: '' };

/** True when the node has not applied the latest configuration the API holds for it. */
export function isBehind(node: FleetNode): boolean {
  return (node.applied_revision ?? -1) < node.desired_revision;
}

function matchesState(node: FleetNode, state: NodeStateFilter): boolean {
  switch (state) {
    case 'all':
      return true;
    case 'online':
      return node.online;
    case 'offline':
      return !node.online;
    case 'behind':
      return isBehind(node);
    case 'error':
      return node.last_error !== null;
    case 'drift':
      return node.drift;
  }
}

function matchesText(node: FleetNode, needle: string): boolean {
  if (!needle) return true;
  const haystack = [node.name, node.tunnel_ip, node.endpoint ?? '', node.hostname ?? '', ...node.tags];
  return haystack.some((value) => value.toLowerCase().includes(needle));
}

/** The nodes the filter lets through, sorted by name (numbers in names in numeric order). */
export function filterNodes(nodes: Iterable<FleetNode>, filter: NodeFilter): FleetNode[] {
  const needle = filter.text.trim().toLowerCase();
  const result: FleetNode[] = [];
  for (const node of nodes) {
    if (filter.region && node.region !== filter.region) continue;
    if (filter.tag && !node.tags.includes(filter.tag)) continue;
    if (!matchesState(node, filter.state) || !matchesText(node, needle)) continue;
    result.push(node);
  }
  return result.sort((a, b) => COLLATOR.compare(a.name, b.name));
}

const COLLATOR = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/** Distinct regions and tags, for the filter menus. */
export function facets(nodes: Iterable<FleetNode>): { regions: string[]; tags: string[] } {
  const regions = new Set<string>();
  const tags = new Set<string>();
  for (const node of nodes) {
    if (node.region) regions.add(node.region);
    for (const tag of node.tags) tags.add(tag);
  }
  return { regions: [...regions].sort(), tags: [...tags].sort() };
}

export interface FleetCounts {
  total: number;
  online: number;
  behind: number;
  errors: number;
}

export function countNodes(nodes: Iterable<FleetNode>): FleetCounts {
  const counts: FleetCounts = { total: 0, online: 0, behind: 0, errors: 0 };
  for (const node of nodes) {
    counts.total += 1;
    if (node.online) counts.online += 1;
    if (isBehind(node)) counts.behind += 1;
    if (node.last_error) counts.errors += 1;
  }
  return counts;
}
