import type { FleetNode } from '../api/resources.js';
import { isBehind } from '../fleet/filter-nodes.js';
import { RevisionCell } from '../fleet/node-table.js';
import type { ApplyFailure } from '../port-forwards/forward-sync-state.js';
import { Badge } from '../ui/components.js';
import { ago } from '../ui/format.js';
import { useNow } from '../ui/hooks.js';

/** The agent's last self-update as the API shows it (`agent_update`, docs/agent.md "Self-update"). */
interface AgentUpdateState {
  state: 'downloading' | 'verifying' | 'restarting' | 'updated' | 'rolled_back' | 'failed';
  version: string;
  error?: string;
  at: string;
}

const UPDATE_TONE = { updated: 'ok', rolled_back: 'warn', failed: 'bad' } as const;

function AgentUpdateFact({ update }: { update: AgentUpdateState | null | undefined }) {
  if (!update) return null;
  const tone = UPDATE_TONE[update.state as keyof typeof UPDATE_TONE] ?? 'muted';
  return (
    <div class="wide">
      <dt>Agent update</dt>
      <dd data-testid="node-agent-update">
        <Badge tone={tone}>{update.state.replace('_', ' ')}</Badge> {update.version}
        {update.error ? ` — ${update.error}` : ''}
      </dd>
    </div>
  );
}

export function NodeSummary({ node, failure }: { node: FleetNode; failure: ApplyFailure | undefined }) {
  const now = useNow();
  const error = node.last_error ?? (failure && failure.revision >= node.desired_revision ? failure.error : null);
  return (
    <section class="card summary-card" aria-label="Summary">
      <dl class="facts">
        <div>
          <dt>State</dt>
          <dd data-testid="node-state">
            {node.online ? <Badge tone="ok">online</Badge> : <Badge tone="muted">offline</Badge>}{' '}
            {node.drift ? <Badge tone="warn">drift</Badge> : null}
          </dd>
        </div>
        <div>
          <dt>Revision (applied / desired)</dt>
          <dd data-testid="node-revision">
            <RevisionCell node={node} behind={isBehind(node)} />
          </dd>
        </div>
        <div><dt>Tunnel IP</dt><dd class="mono">{node.tunnel_ip}</dd></div>
        <div><dt>Endpoint</dt><dd class="mono">{node.endpoint ?? '—'}</dd></div>
        <div><dt>Listen port</dt><dd>{node.listen_port}</dd></div>
        <div><dt>Region</dt><dd>{node.region ?? '—'}</dd></div>
        <div><dt>Routes</dt><dd class="mono">{node.routes.length > 0 ? node.routes.join(', ') : '—'}</dd></div>
        <div><dt>Tags</dt><dd>{node.tags.length > 0 ? node.tags.join(', ') : '—'}</dd></div>
        <div><dt>Last seen</dt><dd>{ago(node.last_seen_at, now)}</dd></div>
        <div><dt>Agent</dt><dd>{node.agent_version ?? '—'}{node.hostname ? ` on ${node.hostname}` : ''}</dd></div>
        <AgentUpdateFact update={(node as FleetNode & { agent_update?: AgentUpdateState | null }).agent_update} />
        <div class="wide"><dt>Public key</dt><dd class="mono">{node.wg_public_key}</dd></div>
      </dl>
      {error ? (
        <p class="notice notice-error" role="alert">
          <strong>Last error:</strong> {error}
        </p>
      ) : null}
    </section>
  );
}
