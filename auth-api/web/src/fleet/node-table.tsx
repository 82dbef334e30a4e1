import { useEffect, useRef, useState } from 'preact/hooks';
import type { FleetNode } from '../api/resources.js';
import { Link } from '../app/link.js';
import { Badge } from '../ui/components.js';
import { ago } from '../ui/format.js';
import { useNow } from '../ui/hooks.js';
import { isBehind } from './filter-nodes.js';
import { visibleWindow } from './virtual-window.js';

const ROW_HEIGHT = 40;
export const OVERVIEW_READY_MARK = 'wirefleet:overview-ready';
const COLUMNS = 9;

/**
 * The node table, virtualised: only the rows in view (and a few around) are in the DOM, with
 * spacer rows for the rest, so 1,000 nodes scroll as smoothly as 10. `aria-rowcount` and
 * `aria-rowindex` tell assistive technology the full size.
 */
export function NodeTable({ nodes }: { nodes: FleetNode[] }) {
  const scroller = useRef<HTMLElement>(null);
  const [view, setView] = useState({ scrollTop: 0, height: 800 });
  const now = useNow(5_000);
  useEffect(() => {
    // The moment the fleet is first on screen, for the benchmark of a cold load (docs/benchmarks.md).
    if (performance.getEntriesByName(OVERVIEW_READY_MARK).length === 0) performance.mark(OVERVIEW_READY_MARK);
  }, []);
  useEffect(() => {
    const element = scroller.current;
    if (!element) return;
    const measure = () => setView({ scrollTop: element.scrollTop, height: element.clientHeight || 800 });
    measure();
    const observer = typeof ResizeObserver === 'undefined' ? undefined : new ResizeObserver(measure);
    observer?.observe(element);
    return () => observer?.disconnect();
  }, []);
  const window = visibleWindow({ total: nodes.length, rowHeight: ROW_HEIGHT, scrollTop: view.scrollTop, viewportHeight: view.height });
  const onScroll = (event: Event) => {
    const element = event.currentTarget as HTMLElement;
    setView({ scrollTop: element.scrollTop, height: element.clientHeight || 800 });
  };
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard to scroll it (WCAG 2.1.1)
    <section class="table-scroller" ref={scroller} onScroll={onScroll} tabIndex={0} aria-label="Nodes (scrollable)">
      <table class="table node-table" aria-rowcount={nodes.length + 1} data-testid="node-table">
        <thead>
          <tr aria-rowindex={1}>
            <th scope="col">Node</th>
            <th scope="col">State</th>
            <th scope="col">Region</th>
            <th scope="col">Tunnel IP</th>
            <th scope="col">Endpoint</th>
            <th scope="col">Last seen</th>
            <th scope="col">Revision</th>
            <th scope="col">Peers</th>
            <th scope="col">Last error</th>
          </tr>
        </thead>
        <tbody>
          {window.before > 0 ? <tr class="spacer" style={{ height: `${window.before}px` }}><td colSpan={COLUMNS} /></tr> : null}
          {nodes.slice(window.start, window.end).map((node, index) => (
            <NodeRow key={node.id} node={node} rowIndex={window.start + index + 2} now={now} />
          ))}
          {window.after > 0 ? <tr class="spacer" style={{ height: `${window.after}px` }}><td colSpan={COLUMNS} /></tr> : null}
        </tbody>
      </table>
    </section>
  );
}

function NodeRow({ node, rowIndex, now }: { node: FleetNode; rowIndex: number; now: number }) {
  const behind = isBehind(node);
  const peers = node.peer_count ?? node.peers?.length ?? 0;
  return (
    <tr aria-rowindex={rowIndex} data-node-id={node.id} class={behind ? 'row-behind' : undefined}>
      <th scope="row">
        <Link href={`/nodes/${node.id}`}>{node.name}</Link>
        {node.tags.length > 0 ? <span class="tags">{node.tags.join(', ')}</span> : null}
      </th>
      <td>
        {node.online ? <Badge tone="ok">online</Badge> : <Badge tone="muted">offline</Badge>}
        {node.drift ? <Badge tone="warn" title="The node's actual state differs from what it applied">drift</Badge> : null}
      </td>
      <td>{node.region ?? '—'}</td>
      <td class="mono">{node.tunnel_ip}</td>
      <td class="mono">{node.endpoint ?? '—'}</td>
      <td>{ago(node.last_seen_at, now)}</td>
      <td>
        <RevisionCell node={node} behind={behind} />
      </td>
      <td class="number">{peers}</td>
      <td class="error-cell" title={node.last_error ?? undefined}>
        {node.last_error ?? ''}
      </td>
    </tr>
  );
}

export function RevisionCell({ node, behind }: { node: FleetNode; behind: boolean }) {
  const applied = node.applied_revision ?? '—';
  if (!behind) return <span class="revision" title="Applied the latest configuration">{applied} / {node.desired_revision}</span>;
  return (
    <span class="revision revision-behind" title="The node has not applied its latest configuration yet">
      {applied} / {node.desired_revision} <Badge tone="warn">behind</Badge>
    </span>
  );
}
