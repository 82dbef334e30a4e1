import { createLogger } from '@wirefleet/shared/logging';
import { describeDataplaneContract } from './dataplane.test-suite.js';
import { MemoryDataplane } from './memory-dataplane.js';

describeDataplaneContract('memory', async () => {
  const dataplane = new MemoryDataplane(createLogger({ service: 'node-agent', level: 'silent' }));
  return {
    dataplane,
    removePeerByHand: async (publicKey) => dataplane.host.removePeer(publicKey),
    deleteFirewallByHand: async () => dataplane.host.deleteFirewall(),
    deleteFilterByHand: async () => dataplane.host.deleteFilter(),
    close: () => dataplane.close(),
  };
});
