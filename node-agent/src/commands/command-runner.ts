import { commandArgs, ipv4InCidr, parseCidr } from '@wirefleet/shared/schemas';
import type { Dataplane } from '../dataplane/dataplane.js';

export interface CommandOutcome {
  ok: boolean;
  output?: unknown;
  error?: string;
}

/**
 * Runs the commands a node accepts — an allow-list: `reconcile`, `ping` (to a tunnel address
 * only) and `wg_show`. Arguments are validated with the same schemas the API used. Every one
 * goes through the Dataplane, so the simulated and dry-run backends never run a host program,
 * and the linux one runs `ping` through its checked runner (argument vector, no shell).
 */
export class CommandRunner {
  constructor(
    private readonly dataplane: Dataplane,
    private readonly networkCidr: string,
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
          const result = await this.dataplane.ping(target, count);
          return result.ok ? { ok: true, output: result.output } : { ok: false, output: result.output, error: result.error ?? 'ping failed' };
        }
        default:
          return { ok: false, error: `unknown command type ${JSON.stringify(type).slice(0, 40)}` };
      }
    } catch (error) {
      return { ok: false, error: error instanceof Error ? error.message : String(error) };
    }
  }
}
