export { ensureNetwork, type Network } from './network.js';
export { nextFreeAddress, claimAddress, freeAddresses, type AddressOwner } from './ipam.js';
export { WIREGUARD_KEY_CONSTRAINT, wireguardKeyConflict } from './wireguard-keys.js';
