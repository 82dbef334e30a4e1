import os from 'node:os';

/** Loopback source addresses 127.0.0.2…: each gives the clients its own ~28,000 ephemeral ports. */
export function sourceAddresses(count: number): string[] {
  return Array.from({ length: count }, (_, index) => `127.0.0.${index + 2}`);
}

/** Client worker processes to use: the machine has few cores and the servers need one. */
export function clientWorkerCount(): number {
  return Math.max(2, Math.min(4, os.availableParallelism()));
}
