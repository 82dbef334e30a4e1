/**
 * Port specs (`tcp:80`, `udp:53-60`, `icmp`, `*`) as the compiler works with them: one
 * protocol and one inclusive range each, merged into the filter's sorted `ports`.
 */
export type FilterProto = 'tcp' | 'udp' | 'icmp' | 'any';

/** What one port spec of a rule grants; `icmp` and `any` cover every port, so `low`/`high` are unused. */
export interface PortGrant {
  proto: FilterProto;
  low: number;
  high: number;
}

/** One probed connection, as a test or a check names it (`tcp:80`, `udp:53`, `icmp`). */
export interface Probe {
  proto: 'tcp' | 'udp' | 'icmp';
  port: number;
}

/** The filter's order of protocols: a stable, readable sort key. */
export const PROTO_ORDER: Record<FilterProto, number> = { any: 0, icmp: 1, tcp: 2, udp: 3 };

/** A port spec the schema accepted; anything else is a caller's bug, so it throws. */
export function parsePortSpec(spec: string): PortGrant {
  if (spec === '*') return { proto: 'any', low: 1, high: 65535 };
  if (spec === 'icmp') return { proto: 'icmp', low: 1, high: 65535 };
  const match = /^(tcp|udp):(\d{1,5})(?:-(\d{1,5}))?$/.exec(spec);
  if (!match) throw new Error(`not a port spec: ${spec}`);
  const low = Number(match[2]);
  return { proto: match[1] as 'tcp' | 'udp', low, high: match[3] === undefined ? low : Number(match[3]) };
}

/** `tcp:80`, `udp:53` or `icmp`; undefined for anything else. */
export function parseProbe(text: string): Probe | undefined {
  if (text === 'icmp') return { proto: 'icmp', port: 0 };
  const match = /^(tcp|udp):(\d{1,5})$/.exec(text);
  if (!match) return undefined;
  const port = Number(match[2]);
  return port >= 1 && port <= 65535 ? { proto: match[1] as 'tcp' | 'udp', port } : undefined;
}

export function grantAdmits(grant: PortGrant, probe: Probe): boolean {
  if (grant.proto === 'any') return true;
  if (grant.proto !== probe.proto) return false;
  return probe.proto === 'icmp' || (probe.port >= grant.low && probe.port <= grant.high);
}

/** Sorted, with overlapping and adjacent ranges joined: [[80,80],[81,90],[85,100]] → [[80,100]]. */
export function mergeRanges(ranges: ReadonlyArray<readonly [number, number]>): [number, number][] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const merged: [number, number][] = [];
  for (const [low, high] of sorted) {
    const last = merged[merged.length - 1];
    if (last && low <= last[1] + 1) last[1] = Math.max(last[1], high);
    else merged.push([low, high]);
  }
  return merged;
}

/** The node config schema allows at most this many ranges in one filter entry. */
export const MAX_RANGES_PER_ENTRY = 64;

/** Splits merged ranges into entry-sized pieces, keeping their order (and the array itself when it fits). */
export function chunkRanges(ranges: [number, number][]): [number, number][][] {
  if (ranges.length <= MAX_RANGES_PER_ENTRY) return [ranges];
  const chunks: [number, number][][] = [];
  for (let start = 0; start < ranges.length; start += MAX_RANGES_PER_ENTRY)
    chunks.push(ranges.slice(start, start + MAX_RANGES_PER_ENTRY));
  return chunks;
}

/**
 * A list of grants reduced once per rule: what the filter needs per protocol. `any` makes the
 * rest redundant, so it empties them. The arrays may be shared by many filter entries.
 */
export interface PortSummary {
  any: boolean;
  icmp: boolean;
  tcp: [number, number][];
  udp: [number, number][];
}

const EVERYTHING: PortSummary = { any: true, icmp: false, tcp: [], udp: [] };

export function summarizeGrants(grants: readonly PortGrant[]): PortSummary {
  if (grants.some((grant) => grant.proto === 'any')) return EVERYTHING;
  const ranges = (proto: FilterProto) =>
    mergeRanges(
      grants.filter((grant) => grant.proto === proto).map((grant) => [grant.low, grant.high] as const),
    );
  return {
    any: false,
    icmp: grants.some((grant) => grant.proto === 'icmp'),
    tcp: ranges('tcp'),
    udp: ranges('udp'),
  };
}

/** Several rules' summaries for the same sources, as one. */
export function combineSummaries(summaries: readonly PortSummary[]): PortSummary {
  if (summaries.length === 1) return summaries[0]!;
  if (summaries.some((summary) => summary.any)) return EVERYTHING;
  return {
    any: false,
    icmp: summaries.some((summary) => summary.icmp),
    tcp: mergeRanges(summaries.flatMap((summary) => summary.tcp)),
    udp: mergeRanges(summaries.flatMap((summary) => summary.udp)),
  };
}
