import { type FieldError, WirefleetError } from '@wirefleet/shared/errors';
import { ipv4ToInt, parseCidr } from '@wirefleet/shared/schemas';
import type { Knex } from 'knex';
import type { Network } from '../network/index.js';
import { parseTextArray } from './node-view.js';

/**
 * What routes a node may announce (CONTRACT §4). Every other node installs a node's routes as
 * WireGuard allowed IPs and kernel routes, so one bad route moves other hosts' traffic:
 * - a route inside the tunnel network steals tunnel addresses (another node's /32 included);
 * - a route that overlaps another node's route takes that subnet from it (WireGuard keeps one
 *   peer per allowed IP);
 * - a default route, either half of it, or anything wider than a /8 pulls every node's Internet
 *   traffic into the tunnel: only a node an admin marked `exit_node` may carry one. Its wide
 *   route may contain the tunnel network and other nodes' routes, because those are more
 *   specific and win the longest-prefix match; two wide routes still may not be equal.
 * IPv4 only until the network is dual-stack.
 */

/** Routes with a shorter prefix take a large part of the Internet: exit nodes only. */
export const WIDE_ROUTE_PREFIX = 8;
/** A non-exit node's routes together cover at most a /8's worth of addresses. */
const MAX_ADDRESSES_WITHOUT_EXIT = 2 ** (32 - WIDE_ROUTE_PREFIX);

interface Span {
  first: number;
  last: number;
  prefix: number;
}

export interface OtherRoute {
  nodeId: number;
  route: string;
  exitNode: boolean;
}

function spanOf(cidr: string): Span | undefined {
  const parsed = parseCidr(cidr);
  if (parsed?.version !== 4) return undefined;
  const first = ipv4ToInt(parsed.address);
  return { first, last: first + 2 ** (32 - parsed.prefix) - 1, prefix: parsed.prefix };
}

const overlaps = (a: Span, b: Span) => a.first <= b.last && b.first <= a.last;
const strictlyContains = (outer: Span, inner: Span) => outer.prefix < inner.prefix && overlaps(outer, inner);
/** A route only an exit node may carry: very wide, or containing the whole tunnel network. */
const isWide = (span: Span, tunnel: Span) => span.prefix < WIDE_ROUTE_PREFIX || strictlyContains(span, tunnel);

/** Whether `span` may not sit beside another node's route `other`. */
function clashWith(span: Span, spanExit: boolean, other: Span, otherExit: boolean, tunnel: Span): boolean {
  if (!overlaps(span, other)) return false;
  // Nested routes are fine only when the outer one is an exit node's wide route.
  if (strictlyContains(span, other)) return !(spanExit && isWide(span, tunnel));
  if (strictlyContains(other, span)) return !(otherExit && isWide(other, tunnel));
  return true;
}

/** Pure: the problems of `routes` for a node, as `routes.N` field errors (empty when fine). */
export function routeProblems(routes: string[], exitNode: boolean, networkCidr: string, others: OtherRoute[]): FieldError[] {
  const tunnel = spanOf(networkCidr);
  const problems: FieldError[] = [];
  const accepted: Array<{ index: number; span: Span }> = [];
  let addresses = 0;
  for (const [index, route] of routes.entries()) {
    const problem = (message: string) => problems.push({ path: `routes.${index}`, message });
    const span = spanOf(route);
    if (!span || !tunnel) {
      problem('IPv6 routes are refused until the network is dual-stack: use an IPv4 CIDR');
      continue;
    }
    addresses += span.last - span.first + 1;
    if (!exitNode && span.prefix < WIDE_ROUTE_PREFIX) {
      problem(`a route wider than a /${WIDE_ROUTE_PREFIX} (a default route or half of one) is allowed only on an exit node (exit_node, set by an admin)`);
    } else if (overlaps(span, tunnel) && !(exitNode && isWide(span, tunnel))) {
      problem(`overlaps the tunnel network ${networkCidr}`);
    } else if (!exitNode && addresses > MAX_ADDRESSES_WITHOUT_EXIT) {
      problem(`the routes together cover more than a /${WIDE_ROUTE_PREFIX}; only an exit node may route that much`);
    } else {
      const sibling = accepted.find((other) => overlaps(other.span, span));
      const clash = others.find((other) => {
        const otherSpan = spanOf(other.route);
        return otherSpan !== undefined && clashWith(span, exitNode, otherSpan, other.exitNode, tunnel);
      });
      if (sibling) problem(`overlaps routes.${sibling.index}`);
      else if (clash) problem(`overlaps ${clash.route}, a route of node ${clash.nodeId}`);
      else accepted.push({ index, span });
    }
  }
  return problems;
}

/** Advisory-lock class for route changes (the second key is the network id). */
const ROUTES_LOCK_CLASS = 0x5746_5254; // "WFRT"

/**
 * Checks the routes `nodeId` will have after `changes` against the other nodes of the network,
 * inside the caller's transaction; throws 400 `invalid_request` naming each bad route.
 *
 * Two PATCHes that each pass alone could together overlap (both read the other's old routes),
 * so route changes of one network are serialised by a transaction-level advisory lock taken
 * before anything is read: the second waits until the first commits, and its reads (READ
 * COMMITTED takes a new snapshot per statement) then see the first one's routes. A lock rather
 * than SELECT … FOR UPDATE on every node: that would also block the status writes of every
 * node of the fleet while an operator edits one.
 */
export async function checkNodeRoutes(
  trx: Knex.Transaction,
  network: Network,
  nodeId: number,
  changes: { routes?: string[] | undefined; exit_node?: boolean | undefined },
): Promise<void> {
  if (changes.routes === undefined && changes.exit_node === undefined) return;
  await trx.raw('SELECT pg_advisory_xact_lock(?, ?)', [ROUTES_LOCK_CLASS, network.id]);
  const node = await trx('nodes').where({ id: nodeId, network_id: network.id }).first<{ routes: string[] | string; exit_node: boolean } | undefined>('routes', 'exit_node');
  if (!node) throw new WirefleetError('not_found');
  const rows = await trx('nodes')
    .where({ network_id: network.id })
    .whereNot({ id: nodeId })
    .whereRaw('cardinality(routes) > 0')
    .select<Array<{ id: number; routes: string[] | string; exit_node: boolean }>>('id', 'routes', 'exit_node');
  const others = rows.flatMap((row) =>
    parseTextArray(row.routes).map((route) => ({ nodeId: Number(row.id), route, exitNode: row.exit_node })),
  );
  const routes = changes.routes ?? parseTextArray(node.routes);
  const problems = routeProblems(routes, changes.exit_node ?? node.exit_node, network.cidr, others);
  if (problems.length > 0) throw new WirefleetError('invalid_request', { detail: 'the routes are invalid', errors: problems });
}
