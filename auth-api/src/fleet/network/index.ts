export { ensureNetwork, type Network } from './network.js';
export { nextFreeAddress, claimAddress, freeAddresses, type AddressOwner } from './ipam.js';
