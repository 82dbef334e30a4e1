import { ConfigRefused, verifySignedConfig } from '../../../../node-agent/src/trust/verify-config.js';
import { makeConfig, makePeers, NODE_ID } from '../../support/agent-fixtures.js';
import type { BenchResult } from '../../types.js';
import type { AgentBench } from './context.js';

async function refusal(bench: AgentBench, peers: number): Promise<{ bytes: number; refused?: string }> {
  const jws = bench.signer.sign(makeConfig(1, makePeers(peers)));
  try {
    await verifySignedConfig(jws, bench.signer.keySet, { nodeId: NODE_ID, appliedRevision: undefined });
    return { bytes: jws.length };
  } catch (error) {
    if (!(error instanceof ConfigRefused)) throw error;
    return { bytes: jws.length, refused: error.message };
  }
}

/**
 * Whether the agent's real verification path takes configs of the sizes measured here, and
 * the largest peer count it accepts (bisection; peers as in every other measurement).
 */
export async function measureConfigSizeLimit(bench: AgentBench, peers: number): Promise<BenchResult[]> {
  const big = await refusal(bench, peers);
  let accepted = 0;
  let refused = Math.max(peers, 1);
  if (big.refused === undefined) accepted = peers;
  while (refused - accepted > 1) {
    const middle = Math.floor((accepted + refused) / 2);
    if ((await refusal(bench, middle)).refused === undefined) accepted = middle;
    else refused = middle;
  }
  const largest = await refusal(bench, accepted);
  return [
    {
      metric: 'Largest signed config verifySignedConfig accepts (the agent\'s real path)',
      value: accepted,
      unit: 'peers',
      goal: `accepts ${peers.toLocaleString('en-US')} peers (the scale of the goals here)`,
      met: accepted >= peers,
      notes:
        big.refused === undefined
          ? `the ${peers}-peer config (${(big.bytes / 1024).toFixed(0)} KiB JWS) verified.`
          : `the ${peers}-peer config (${(big.bytes / 1024).toFixed(0)} KiB JWS) was refused: "${big.refused}"; ` +
            `${accepted} peers make a ${(largest.bytes / 1024).toFixed(1)} KiB JWS. The refusal is ` +
            'parseJwsHeader\'s MAX_TOKEN_LENGTH = 16 KiB (shared/src/tokens/verify-jws.ts), sized for access ' +
            'tokens, which verifySignedConfig reaches through verifyCompactJws: an agent whose network has more ' +
            'peers than this never applies a config (Agent.sync reports it refused, applyFromDisk logs an error). ' +
            'The end-to-end figure below therefore verifies with the same steps minus that check.',
    },
  ];
}
