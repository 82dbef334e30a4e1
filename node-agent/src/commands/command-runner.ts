import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { commandArgs } from '@wirefleet/shared/schemas';
import { ipv4InCidr, parseCidr } from '@wirefleet/shared/schemas';
import type { Dataplane } from '../dataplane/dataplane.js';

const run = promisify(execFile);

export interface CommandOutcome {
  ok: boolean;
  output?: unknown;
  error?: string;
}

/**
 * Runs the commands a node accepts — an allow-list: `reconcile`, `ping` (to a tunnel address
 * only) and `wg_show`. Arguments are validated with the same schemas the API used; nothing
 * reaches a shell (ping runs through execFile with validated arguments).
 */
export class CommandRunner {
  constructor(
    private readonly dataplane: Dataplane,
    private readonly networkCidr: string,
    private readonly exec: (file: string, args: string[]) => Promise<{ stdout: string }> = (file, args) =>
      run(file, args, { timeout: 30_000 }),
  ) {}

  async run(type: string, args: unknown): Promise<CommandOutcome> {
    try {
      switch (type) {
        case 'reconcile': {
          commandArgs.reconcile.parse(args ?? {});
          const report = await this.dataplane.reconcile();
          return { ok: true, output: report };
        }
        case 'wg_show':
          commandArgs.wg_show.parse(args ?? {});
          return { ok: true, output: await this.dataplane.show() };
        case 'ping': {
          const { target_ip: target, count } = commandArgs.ping.parse(args);
          if (!ipv4InCidr(target, parseCidr(this.networkCidr)!)) {
            return { ok: false, error: `ping is limited to tunnel addresses in ${this.networkCidr}` };
          }
          try {
            const { stdout } = await this.exec('ping', ['-n', '-c', String(count), '-W', '2', target]);
            return { ok: true, output: stdout };
          } catch (error) {
            const failed = error as { stdout?: string; message: string };
            return { ok: false, output: failed.stdout, error: `ping failed: ${failed.message.split('\n')[0]}` };
          }
        }
        default:
          return { ok: false, error: `unknown command type ${JSON.stringify(type).slice(0, 40)}` };
      }
    } catch (error) {
      return { ok: false, error: error instanceof Error ? error.message : String(error) };
    }
  }
}
