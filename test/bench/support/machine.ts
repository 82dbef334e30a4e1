import os from 'node:os';

export interface MachineInfo {
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  platform: string;
  date: string;
}

/** What the figures were taken on; printed beside every section since sections can come from different runs. */
export function machineInfo(now = new Date()): MachineInfo {
  return {
    // What `nproc` prints: the CPUs this process may run on.
    cores: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    date: now.toISOString().replace(/\.\d+Z$/, 'Z'),
  };
}

export function describeMachine(info: MachineInfo): string {
  return `${info.cores} cores (${info.cpuModel}), ${info.memoryGiB} GiB RAM, Node ${info.node}, ${info.platform}`;
}
