import { useMemo, useState } from 'preact/hooks';
import { useServices } from '../app/services.js';
import { Empty, ErrorNotice, Loading, PageHeader } from '../ui/components.js';
import { useStore } from '../ui/hooks.js';
import { FleetFilters } from './fleet-filters.js';
import { countNodes, EMPTY_FILTER, facets, filterNodes, type NodeFilter } from './filter-nodes.js';
import { NodeTable } from './node-table.js';

/** Every node, live from the `fleet` room, with search and filters. */
export function OverviewView() {
  const { fleet } = useServices();
  const snapshot = useStore(fleet.snapshot);
  const [filter, setFilter] = useState<NodeFilter>(EMPTY_FILTER);
  const nodes = snapshot.nodes;
  const visible = useMemo(() => filterNodes(nodes.values(), filter), [nodes, filter]);
  const counts = useMemo(() => countNodes(nodes.values()), [nodes]);
  const options = useMemo(() => facets(nodes.values()), [nodes]);

  return (
    <section aria-labelledby="overview-title" class="overview">
      <PageHeader title="Fleet">
        <p class="summary" aria-live="polite" data-testid="fleet-summary">
          <strong>{counts.online}</strong> of {counts.total} online
          {counts.behind > 0 ? <> · <strong>{counts.behind}</strong> behind</> : null}
          {counts.errors > 0 ? <> · <strong>{counts.errors}</strong> with errors</> : null}
        </p>
      </PageHeader>
      <FleetFilters filter={filter} onChange={setFilter} regions={options.regions} tags={options.tags} />
      {snapshot.status === 'error' ? <ErrorNotice error={snapshot.error} title="The fleet could not be read." /> : null}
      {snapshot.status === 'loading' && nodes.size === 0 ? (
        <Loading what="the fleet" />
      ) : nodes.size === 0 ? (
        <Empty>
          No nodes yet. Create an enrollment key and run <code>wirefleet-agent enroll</code> on a host to add one.
        </Empty>
      ) : visible.length === 0 ? (
        <Empty>No node matches these filters.</Empty>
      ) : (
        <NodeTable nodes={visible} />
      )}
    </section>
  );
}
