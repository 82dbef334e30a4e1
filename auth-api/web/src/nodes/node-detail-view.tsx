import { nodeRoom } from '@wirefleet/shared/protocol';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { FleetNode } from '../api/resources.js';
import { Link } from '../app/link.js';
import { navigate } from '../app/router.js';
import { useServices } from '../app/services.js';
import { CommandsPanel } from '../commands/commands-panel.js';
import { NodeDevicesPanel } from '../devices/node-devices-panel.js';
import { PortForwardsPanel } from '../port-forwards/port-forwards-panel.js';
import type { ApplyFailure } from '../port-forwards/forward-sync-state.js';
import { ConfirmButton, ErrorNotice, Loading, PageHeader } from '../ui/components.js';
import { useStore } from '../ui/hooks.js';
import { NodeSettingsForm } from './node-settings-form.js';
import { NodeSummary } from './node-summary.js';
import { nodeRoomChange } from './node-room-events.js';
import { PeersPanel } from './peers-panel.js';
import { TrafficChart } from './traffic-chart.js';
import { TrafficHistory } from './traffic-rates.js';

/** Live state of one node's room: traffic rates, the last failed apply, command results. */
function useNodeRoom(nodeId: number) {
  const { live, fleet } = useServices();
  const history = useMemo(() => new TrafficHistory(), [nodeId]);
  const [trafficVersion, setTrafficVersion] = useState(0);
  const [failure, setFailure] = useState<ApplyFailure>();
  const [resultVersion, setResultVersion] = useState(0);
  useEffect(
    () =>
      live.subscribe(
        nodeRoom(nodeId),
        (event) => {
          const change = nodeRoomChange(event);
          if (change.kind === 'status') {
            fleet.patchNode(nodeId, change.patch);
            if (history.add({ at: change.at, peers: change.peers })) setTrafficVersion((v) => v + 1);
          } else if (change.kind === 'desired') {
            fleet.patchNode(nodeId, { desired_revision: change.revision });
          } else if (change.kind === 'applied') {
            if (change.ok) fleet.patchNode(nodeId, { applied_revision: change.revision, last_error: null });
            else setFailure({ revision: change.revision, error: change.error ?? 'the node could not apply it' });
          } else if (change.kind === 'command-result') {
            setResultVersion((v) => v + 1);
          }
        },
        () => void fleet.reloadNode(nodeId),
      ),
    [nodeId],
  );
  return { history, trafficVersion, failure, resultVersion };
}

/** One node: state, peers and traffic live from its room; forwards, devices, commands, settings. */
export function NodeDetailView({ nodeId, canWrite }: { nodeId: number; canWrite: boolean }) {
  const { fleet, http } = useServices();
  const snapshot = useStore(fleet.snapshot);
  const node = snapshot.nodes.get(nodeId);
  const [loadError, setLoadError] = useState<unknown>();
  const [gone, setGone] = useState(false);
  const seen = useRef(false);
  const room = useNodeRoom(nodeId);
  useEffect(() => {
    fleet.reloadNode(nodeId).then((found) => setGone(!found), setLoadError);
  }, [nodeId]);
  if (node) seen.current = true;
  if (!node) {
    if (loadError) return <ErrorNotice error={loadError} title="The node could not be read." />;
    if (gone || seen.current) return <NodeGone />;
    return <Loading what="the node" />;
  }
  const changed = () => void fleet.reloadNode(nodeId);
  const remove = async () => {
    await http.delete(`/v1/nodes/${nodeId}`);
    navigate('/');
  };
  return (
    <article class="node-detail" aria-labelledby="node-title">
      <PageHeader title={node.name}>
        {canWrite ? <ConfirmButton label="Delete node" question={`Delete node ${node.name}?`} confirmLabel="Delete node" onConfirm={remove} /> : null}
      </PageHeader>
      <NodeSummary node={node} failure={room.failure} />
      <section class="card" aria-labelledby="traffic-title">
        <h2 id="traffic-title">Traffic</h2>
        <TrafficChart points={room.history.points} version={room.trafficVersion} />
      </section>
      <PeersPanel node={node} />
      <PortForwardsPanel node={node} canWrite={canWrite} failure={room.failure} onChanged={changed} />
      <NodeDevicesPanel node={node} canWrite={canWrite} onChanged={changed} />
      <CommandsPanel node={node} canWrite={canWrite} resultVersion={room.resultVersion} />
      {canWrite ? <NodeSettingsForm node={node} onSaved={changed} /> : null}
    </article>
  );
}

function NodeGone() {
  return (
    <section>
      <h1 tabIndex={-1}>Node not found</h1>
      <p>
        It may have been deleted. <Link href="/">Back to the fleet</Link>
      </p>
    </section>
  );
}

export type { FleetNode };
