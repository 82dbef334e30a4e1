import { loadAgentConfig } from '../config/agent-config.js';
import { StateStore } from '../state/state-store.js';
import { AGENT_VERSION } from '../update/version.js';
import { releaseStoreOf } from './update-wiring.js';

/** `wirefleet-agent status`: what this host is enrolled as and what it last applied (no network). */
export function status(configPath: string, out: (line: string) => void): void {
  const config = loadAgentConfig(configPath);
  const jws = new StateStore(config.dir).lastConfig();
  let revision = 'none yet';
  let peers = 0;
  if (jws) {
    const payload = JSON.parse(Buffer.from(jws.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
      revision?: number;
      peers?: unknown[];
    };
    revision = String(payload.revision);
    peers = payload.peers?.length ?? 0;
  }
  out(`node ${config.node_id} (${config.name})`);
  out(`  tunnel address   ${config.tunnel_ip} in ${config.network_cidr}`);
  out(
    `  interface        ${config.interface} (backend ${config.backend}, listen port ${config.listen_port})`,
  );
  out(`  api              ${config.api_url}`);
  out(`  gateway          ${config.gateway_url}`);
  out(`  last applied     revision ${revision}, ${peers} peer(s)`);
  const releases = releaseStoreOf(config.dir);
  const current = releases.target(releases.current);
  out(`  agent            ${AGENT_VERSION}${current ? ` (this command); runs ${current}` : ''}`);
  const update = releases.state();
  if (update)
    out(
      `  last update      ${update.state} ${update.version} at ${update.at}${update.error ? `: ${update.error}` : ''}`,
    );
}
