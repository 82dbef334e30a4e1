import { parseArgs } from 'node:util';
import { DEFAULT_CONFIG_PATH } from './config/agent-config.js';
import { AgentConfigError } from './config/files.js';
import { EnrollError, USAGE, UsageError } from './cli/usage.js';

const out = (line: string) => process.stdout.write(`${line}\n`);

async function enrollCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      api: { type: 'string' },
      key: { type: 'string' },
      'key-file': { type: 'string' },
      name: { type: 'string' },
      endpoint: { type: 'string' },
      'listen-port': { type: 'string' },
      region: { type: 'string' },
      gateway: { type: 'string' },
      config: { type: 'string', default: DEFAULT_CONFIG_PATH },
      interface: { type: 'string' },
      force: { type: 'boolean', default: false },
      'ca-file': { type: 'string' },
    },
  });
  if (!values.api) throw new UsageError('--api is required');
  // Each command loads only its own modules: `run` stays small (enroll brings the API's schemas).
  const { enroll, enrollmentKey } = await import('./cli/enroll.js');
  const key = enrollmentKey(
    { key: values.key, keyFile: values['key-file'], env: process.env.WIREFLEET_ENROLLMENT_KEY },
    (line) => process.stderr.write(`${line}\n`),
  );
  const flags = {
    api: values.api,
    key,
    name: values.name,
    endpoint: values.endpoint,
    listenPort: values['listen-port'],
    region: values.region,
    gateway: values.gateway,
    config: values.config,
    interface: values.interface,
    force: values.force,
    caFile: values['ca-file'],
  };
  await enroll(flags, out);
  return 0;
}

async function runCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      config: { type: 'string', default: DEFAULT_CONFIG_PATH },
      backend: { type: 'string' },
      interface: { type: 'string' },
      'ca-file': { type: 'string' },
    },
  });
  const { startSwitchedBuild } = await import('./cli/update-wiring.js');
  // Handed over to the build self-update switched to: its own `run` exits the process.
  if (await startSwitchedBuild(values.config, (line: string) => void process.stderr.write(`${line}\n`)))
    // Never settles: the switched build's `run` owns the process from here and exits it.
    return new Promise<number>(() => undefined);
  const { run } = await import('./cli/run.js');
  return run({
    config: values.config,
    backend: values.backend,
    interface: values.interface,
    caFile: values['ca-file'],
  });
}

async function statusCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: { config: { type: 'string', default: DEFAULT_CONFIG_PATH } },
  });
  const { status } = await import('./cli/status.js');
  status(values.config, out);
  return 0;
}

/**
 * `wirefleet-agent enroll|run|status|supervise|update-check`. Exit codes: 0 ok, 1 failed, 2 bad
 * usage or config, 3 node ended, 10 restart into another build (self-update).
 */
async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'supervise') return (await import('./cli/supervise.js')).supervise(rest);
  if (command === 'update-check') return (await import('./cli/supervise.js')).updateCheck(rest, out);
  if (command === 'enroll') return enrollCommand(rest);
  if (command === 'run') return runCommand(rest);
  if (command === 'status') return statusCommand(rest);
  throw new UsageError(command ? `unknown command ${command}` : 'a command is required');
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const parseError = (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    if (error instanceof UsageError || parseError) {
      process.stderr.write(`wirefleet-agent: ${(error as Error).message}\n\n${USAGE}\n`);
      process.exit(2);
    }
    if (error instanceof AgentConfigError) {
      process.stderr.write(`wirefleet-agent: ${error.message}\n`);
      process.exit(2);
    }
    process.stderr.write(
      `wirefleet-agent: ${error instanceof EnrollError ? error.message : error instanceof Error ? error.stack : String(error)}\n`,
    );
    process.exit(1);
  },
);
