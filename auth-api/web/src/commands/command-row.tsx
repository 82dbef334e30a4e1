import type { Command, CommandStatus } from '../api/resources.js';
import { Badge } from '../ui/components.js';
import { ago } from '../ui/format.js';
import { useNow } from '../ui/hooks.js';

const TONE: Record<CommandStatus, 'ok' | 'bad' | 'info' | 'muted'> = {
  queued: 'muted',
  sent: 'info',
  succeeded: 'ok',
  failed: 'bad',
  expired: 'bad',
};

function describeArgs(command: Command): string {
  if (command.type === 'ping') return `ping ${String(command.args.target_ip ?? '')}${command.args.count ? ` ×${String(command.args.count)}` : ''}`;
  return command.type;
}

function outputOf(command: Command): string | undefined {
  const result = command.result as { output?: unknown } | null;
  if (result === null || result === undefined) return undefined;
  const output = typeof result === 'object' && 'output' in result ? result.output : result;
  if (output === null || output === undefined) return undefined;
  return typeof output === 'string' ? output : JSON.stringify(output, null, 2);
}

export function CommandRow({ command }: { command: Command }) {
  const now = useNow(5_000);
  const output = outputOf(command);
  return (
    <li class="command" data-command-id={command.id} data-status={command.status}>
      <div class="command-line">
        <span class="mono">{describeArgs(command)}</span>
        <Badge tone={TONE[command.status]}>{command.status}</Badge>
        <span class="muted">{ago(command.created_at, now)}</span>
      </div>
      {command.error ? <p class="field-error">{command.error}</p> : null}
      {output ? <pre class="output">{output}</pre> : null}
    </li>
  );
}
