import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { describe, it } from 'vitest';
import { netnsSkipReason, sh } from '../../../../test/support/netns.js';
import { describeDataplaneContract } from '../dataplane.test-suite.js';
import { LinuxDataplane } from './linux-dataplane.js';
import { removeHosts } from './real-host.test-suite.js';

/**
 * The Dataplane contract on a real host: a network namespace of its own (`wftc…`), wireguard-go
 * and nftables inside it, changed by hand with `wg` and `nft` as root would. Removed afterwards.
 */
const skip = netnsSkipReason();

async function openInNamespace() {
  const id = randomBytes(3).toString('hex');
  const ns = `wftc-${id}`;
  const ifname = `wftc${id}`;
  await sh(['ip', 'netns', 'add', ns]);
  await sh(['ip', 'netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up']);
  const jwk = generateKeyPairSync('x25519').privateKey.export({ format: 'jwk' });
  const privateKey = Buffer.from(jwk.d ?? '', 'base64url').toString('base64');
  const dataplane = new LinuxDataplane({
    interfaceName: ifname,
    privateKey,
    logger: pino({ level: 'silent' }),
    netns: ns,
  });
  const inNs = (...args: string[]) => sh(['ip', 'netns', 'exec', ns, ...args]);
  return {
    dataplane,
    removePeerByHand: async (publicKey: string) =>
      void (await inNs('wg', 'set', ifname, 'peer', publicKey, 'remove')),
    deleteFirewallByHand: async () => void (await inNs('nft', 'delete', 'table', 'inet', 'wirefleet')),
    deleteFilterByHand: async () =>
      void (await inNs('nft', 'delete', 'chain', 'inet', 'wirefleet', 'tunnel_in_hook')),
    async close() {
      await dataplane.close().catch(() => undefined);
      const problems = await removeHosts([ns], [ifname]);
      if (problems.length > 0) console.warn('contract cleanup problems', problems);
    },
  };
}

if (skip) describe.skip(`Dataplane contract: linux (${skip})`, () => it('skipped', () => undefined));
else describeDataplaneContract('linux (a network namespace, wireguard-go, nftables)', openInNamespace);
