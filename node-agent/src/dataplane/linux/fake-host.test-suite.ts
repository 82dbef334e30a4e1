import { createHash } from 'node:crypto';
import { CommandError, type CommandResult, type CommandRunner, type RunOptions } from './command-runner.js';

/** A host for `ip`/`nft`/`sysctl`: records commands and keeps just enough state to answer. */
export class FakeHost {
  calls: string[] = [];
  addresses: string[] = [];
  up = false;
  routes = new Set<string>();
  table: string | null = null;
  handle = 1;
  fail: string | undefined;

  /** What the runner was asked to run; `calls` are the commands that ran (out of namespaces and batches). */
  received: string[] = [];
  /** Commands held by `hold`: each waits for its gate. */
  private readonly gates: { fragment: string; open: Promise<void> }[] = [];
  /** How many commands are running now (started, not finished), and the most at once. */
  running = 0;
  mostAtOnce = 0;

  /**
   * Holds every command whose line contains `fragment` (recorded in `calls` as it starts) until
   * the returned function is called: a test can look at the host while one is under way.
   */
  hold(fragment: string): () => void {
    let release!: () => void;
    const open = new Promise<void>((resolve) => {
      release = resolve;
    });
    const gate = { fragment, open };
    this.gates.push(gate);
    return () => {
      this.gates.splice(this.gates.indexOf(gate), 1);
      release();
    };
  }

  readonly run: CommandRunner = async (file, args, options) => {
    this.received.push(`${file} ${args.join(' ')}`);
    this.running += 1;
    this.mostAtOnce = Math.max(this.mostAtOnce, this.running);
    try {
      // Inside a namespace the same commands arrive as `ip -n <ns> …` or `ip netns exec <ns> …`.
      if (file === 'ip' && args[0] === 'netns') return await this.exec(args[3]!, args.slice(4), options);
      if (file === 'ip' && args[0] === '-n') return await this.exec('ip', args.slice(2), options);
      return await this.exec(file, args, options);
    } finally {
      this.running -= 1;
    }
  };

  /**
   * `ip [flags] -batch -`: each line runs as `ip [flags] <line>`, recorded as such; the first
   * failure stops it. The flags (`-j -d`) only shape what a listing prints, so a line that
   * changes something runs and is recorded without them.
   */
  private async batch(flags: readonly string[], input: string): Promise<CommandResult> {
    let stdout = '';
    for (const line of input.split('\n').filter(Boolean)) {
      const args = line.split(' ');
      const listing = args[1] === 'show';
      stdout += (await this.exec('ip', listing ? [...flags, ...args] : args, undefined)).stdout;
    }
    return { stdout, stderr: '' };
  }

  private async exec(
    file: string,
    args: readonly string[],
    options: RunOptions | undefined,
  ): Promise<CommandResult> {
    if (file === 'ip' && args.at(-2) === '-batch') return this.batch(args.slice(0, -2), options?.input ?? '');
    const line = `${file} ${args.join(' ')}`;
    this.calls.push(line);
    for (const gate of this.gates.filter((held) => line.includes(held.fragment))) await gate.open;
    if (this.fail && line.includes(this.fail)) throw new Error(`injected failure: ${line}`);
    if (line.startsWith('ip -j -d addr show')) {
      const addr_info = this.addresses.map((a) => ({
        family: 'inet',
        local: a.split('/')[0],
        prefixlen: Number(a.split('/')[1]),
        scope: 'global',
      }));
      const link = { flags: this.up ? ['UP'] : [], linkinfo: { info_kind: 'tun' }, addr_info };
      return { stdout: `${JSON.stringify([link])}\n`, stderr: '' };
    }
    if (line.startsWith('ip addr replace')) this.addresses = [args[2]!];
    if (line.startsWith('ip link set')) this.up = true;
    if (line.startsWith('ip route replace')) this.routes.add(args[2]!);
    if (line.startsWith('ip route del')) this.routes.delete(args[2]!);
    if (/^ip -j (-d )?route show table all/.test(line))
      return { stdout: `${JSON.stringify([...this.routes].map((dst) => ({ dst })))}\n`, stderr: '' };
    if (line.startsWith('ip -j')) return { stdout: '[]\n', stderr: '' };
    if (line === 'nft -f -') {
      this.table = createHash('sha256')
        .update(options?.input ?? '')
        .digest('hex');
      this.handle += 10;
    }
    if (line.startsWith('nft -j list')) {
      if (this.table === null) throw new CommandError(file, args, 1, 'Error: No such file or directory');
      const nftables = [
        { metainfo: { version: '1' } },
        { table: { name: 'wirefleet', handle: this.handle } },
        { rule: { comment: this.table, handle: this.handle + 1 } },
      ];
      return { stdout: JSON.stringify({ nftables }), stderr: '' };
    }
    return { stdout: '', stderr: '' };
  }
}
