import { useEffect, useState } from 'preact/hooks';
import type { Command, FleetNode, Page } from '../api/resources.js';
import { useServices } from '../app/services.js';
import { Empty, Loading, ReadError } from '../ui/components.js';
import { useAsync } from '../ui/hooks.js';
import { CommandRow } from './command-row.js';
import { RunCommandForm } from './run-command-form.js';

const PAGE_SIZE = 10;

/**
 * The node's commands, newest first. Status changes arrive as `command.updated` in the fleet
 * room; each one re-reads that command (GET /v1/commands/:id) for its result.
 */
export function CommandsPanel({ node, canWrite, resultVersion }: { node: FleetNode; canWrite: boolean; resultVersion: number }) {
  const { http, fleet } = useServices();
  const [list, reload] = useAsync(() => http.get<Page<Command>>(`/v1/nodes/${node.id}/commands`, { limit: PAGE_SIZE }), [node.id]);
  const [updated, setUpdated] = useState<Record<string, Command>>({});
  useEffect(
    () =>
      fleet.onCommandUpdated((change) => {
        if (change.nodeId !== node.id) return;
        http.get<Command>(`/v1/commands/${change.commandId}`).then(
          (command) => setUpdated((current) => ({ ...current, [command.id]: command })),
          () => reload(),
        );
      }),
    [node.id],
  );
  useEffect(() => {
    if (resultVersion > 0) reload();
  }, [resultVersion]);

  const known = list.value?.items ?? [];
  const fresh = Object.values(updated).filter((command) => !known.some((item) => item.id === command.id));
  const commands = [...fresh.sort((a, b) => b.created_at.localeCompare(a.created_at)), ...known.map((item) => updated[item.id] ?? item)];
  const started = (command: Command) => setUpdated((current) => ({ ...current, [command.id]: command }));
  return (
    <section class="card" aria-labelledby="commands-title">
      <h2 id="commands-title">Commands</h2>
      {canWrite ? <RunCommandForm node={node} onStarted={started} /> : null}
      {list.status === 'error' ? <ReadError error={list.error} what="commands" /> : null}
      {list.status === 'loading' && !list.value ? <Loading what="commands" /> : null}
      {list.value && commands.length === 0 ? <Empty>No commands have been run on this node.</Empty> : null}
      {commands.length > 0 ? (
        <ol class="commands" data-testid="commands" aria-live="polite">
          {commands.slice(0, PAGE_SIZE).map((command) => (
            <CommandRow key={command.id} command={command} />
          ))}
        </ol>
      ) : null}
    </section>
  );
}
