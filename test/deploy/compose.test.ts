import fs from 'node:fs';
import path from 'node:path';
import { loadAuthApiConfig } from '@wirefleet/auth-api';
import { loadGatewayConfig } from '@wirefleet/gateway-service';
import { timingFromEnv } from '@wirefleet/node-agent';
import { beforeAll, describe, expect, it } from 'vitest';
import { findExecutable } from '../support/executables.js';
import {
  type ComposeConfig,
  type ComposeService,
  DOCKERFILE,
  type DockerStage,
  dockerStages,
  REPO_ROOT,
  resolvedCompose,
  unrunnable,
  variablesRead,
} from '../support/proxy-compose.js';
import { NGINX_TEMPLATE, templatePlaceholders } from '../support/proxy-nginx.js';
import { IN_CI } from '../support/services.js';

const bin = findExecutable('docker-compose');
if (!bin && IN_CI)
  throw new Error(
    'docker-compose is not installed: the compose test validates docker-compose.yml with it (apt-get install docker-compose)',
  );

const source = (file: string) => fs.readFileSync(path.join(REPO_ROOT, file), 'utf8');

/** Variables Node itself reads; any of our processes may be given them. */
const NODE_RUNTIME = ['NODE_ENV', 'NODE_OPTIONS', 'NODE_EXTRA_CA_CERTS'];

type Program = 'auth-api' | 'gateway' | 'migrate' | 'simulator' | 'nginx' | 'postgres' | 'redis' | 'tls';

/** Which program a service runs: by the image target it builds, or the public image it uses. */
function programOf(service: ComposeService): Program {
  const command = [service.command ?? []].flat().join(' ');
  if (command.includes('migrations/dist/cli.js')) return 'migrate';
  const target = service.build?.target;
  if (target === 'auth-api' || target === 'gateway' || target === 'simulator') return target;
  const image = service.image ?? '';
  for (const name of ['nginx', 'postgres', 'redis'] as const) if (image.startsWith(`${name}:`)) return name;
  if (image.startsWith('alpine:')) return 'tls';
  throw new Error(`a service of unknown kind: ${JSON.stringify(service)}`);
}

describe.skipIf(!bin)(
  'docker-compose.yml and infra/docker/Dockerfile, checked without a container engine',
  () => {
    let compose: ComposeConfig;
    let stages: Map<string, DockerStage>;
    const services = () => Object.entries(compose.services);
    const ofProgram = (program: Program) =>
      services().filter(([, service]) => programOf(service) === program);
    const env = (name: string) => compose.services[name]!.environment ?? {};

    beforeAll(() => {
      compose = resolvedCompose(bin!);
      stages = dockerStages();
    });

    it('parses, and runs the layout: one auth-api, two gateways, nginx, one-shots, agents in their profile', () => {
      const counts = Object.fromEntries(
        (['auth-api', 'gateway', 'migrate', 'simulator', 'nginx', 'postgres', 'redis', 'tls'] as const).map(
          (p) => [p, ofProgram(p).length],
        ),
      );
      expect(counts).toEqual({
        'auth-api': 1,
        gateway: 2,
        migrate: 1,
        simulator: 1,
        nginx: 1,
        postgres: 1,
        redis: 1,
        tls: 1,
      });
      for (const [name, service] of services()) {
        expect([name, service.profiles ?? []]).toEqual([
          name,
          programOf(service) === 'simulator' ? ['agents'] : [],
        ]);
      }
      // The auth-api waits for the migrations; nginx for ready services (their HEALTHCHECK).
      const [[apiName, api]] = ofProgram('auth-api') as [[string, ComposeService]];
      expect(api.depends_on?.[ofProgram('migrate')[0]![0]]?.condition).toBe('service_completed_successfully');
      const nginx = ofProgram('nginx')[0]![1];
      for (const name of [apiName, ...ofProgram('gateway').map(([gateway]) => gateway)])
        expect(nginx.depends_on?.[name]?.condition).toBe('service_healthy');
      // Only nginx is reachable from outside.
      expect(
        services()
          .filter(([, service]) => service.ports?.length)
          .map(([name]) => name),
      ).toEqual([ofProgram('nginx')[0]![0]]);
    });

    it('every variable a service or its image sets is one its program reads', () => {
      const authApi = variablesRead((e) => loadAuthApiConfig(e));
      const gateway = variablesRead((e) => loadGatewayConfig(e));
      const agentTiming = variablesRead((e) => timingFromEnv(e));
      // The probe must see the schemas, or the check below proves nothing.
      expect([...authApi]).toEqual(
        expect.arrayContaining(['DATABASE_URL', 'TRUST_PROXY', 'AUTH_PUBLIC_URL']),
      );
      expect([...gateway]).toEqual(
        expect.arrayContaining(['AUTH_ISSUER', 'ALLOWED_ORIGINS', 'GATEWAY_INSTANCE_ID']),
      );
      expect([...agentTiming]).toContain('WIREFLEET_STATUS_INTERVAL_SECONDS');
      // The scripts that read process.env themselves: the names must appear in them.
      expect(source('migrations/src/cli.ts')).toContain('process.env.DATABASE_URL');
      expect(source('infra/docker/simulated-agents.ts')).toContain('process.env.SIMULATED_AGENTS');
      const known: Record<Program, (name: string) => boolean> = {
        'auth-api': (name) => authApi.has(name),
        gateway: (name) => gateway.has(name),
        migrate: (name) => name === 'DATABASE_URL',
        simulator: (name) => authApi.has(name) || agentTiming.has(name) || name === 'SIMULATED_AGENTS',
        nginx: (name) => templatePlaceholders().includes(name) || name === 'NGINX_ENVSUBST_FILTER',
        postgres: (name) => /^POSTGRES_(DB|USER|PASSWORD)$/.test(name),
        redis: () => false,
        tls: () => false,
      };
      const unknown: string[] = [];
      const check = (where: string, program: Program, names: string[]) => {
        for (const name of names)
          if (!known[program](name) && !NODE_RUNTIME.includes(name))
            unknown.push(`${where} (${program}): ${name}`);
      };
      for (const [name, service] of services())
        check(name, programOf(service), Object.keys(service.environment ?? {}));
      // The image's own ENV, against the program its CMD runs (the migrate one-shot reuses the
      // auth-api image with another command, and ignores those).
      for (const target of ['auth-api', 'gateway', 'simulator'] as const)
        check(`Dockerfile target ${target}`, target, Object.keys(stages.get(target)!.env));
      expect(unknown).toEqual([]);
    });

    it('every command, entry point and health check runs a package.json script or a built entry point', () => {
      const problems: string[] = [];
      for (const [name, service] of services()) {
        const target = service.build?.target;
        if (!target) continue;
        const stage = stages.get(target)!;
        const command = service.command ? [service.command].flat() : stage.cmd!;
        const argv = [
          ...(service.entrypoint ? [service.entrypoint].flat() : (stage.entrypoint ?? [])),
          ...command,
        ];
        const why = unrunnable(argv);
        if (why) problems.push(`${name}: ${argv.join(' ')}: ${why}`);
      }
      for (const target of ['auth-api', 'gateway', 'agent', 'simulator']) {
        const stage = stages.get(target);
        if (!stage) {
          problems.push(`the Dockerfile has no ${target} target`);
          continue;
        }
        const argv = [...(stage.entrypoint ?? []), ...(stage.cmd ?? [])];
        const why = unrunnable(argv);
        if (why) problems.push(`target ${target}: ${argv.join(' ')}: ${why}`);
        if (target === 'auth-api' || target === 'gateway') {
          // The health check probes the port the image listens on.
          const check = stage.healthcheck ?? [];
          const problem =
            unrunnable(check) ??
            (stage.env[check.at(-1)!] ? undefined : `${check.at(-1)} is not set in the image`);
          if (problem) problems.push(`target ${target} HEALTHCHECK ${check.join(' ')}: ${problem}`);
        }
      }
      expect(problems).toEqual([]);
      // Non-root: every image that runs ends as the `node` user.
      const text = fs.readFileSync(DOCKERFILE, 'utf8');
      expect(text).toMatch(/FROM \S+ AS runtime[\s\S]*?\nUSER node\n/);
      expect(text).toMatch(/FROM build AS simulator[\s\S]*?\nUSER node\n/);
    });

    it('nginx mounts the very template the proxy test renders, with a value for each placeholder', () => {
      const [, nginx] = ofProgram('nginx')[0]!;
      const mounts = (nginx.volumes ?? []).map((volume) =>
        typeof volume === 'string' ? volume.split(':').slice(0, 2) : [volume.source, volume.target],
      );
      const template = mounts.find(([, target]) => target?.startsWith('/etc/nginx/templates/'));
      expect(template, 'a file mounted into /etc/nginx/templates/').toBeDefined();
      expect(fs.realpathSync(template![0]!)).toBe(fs.realpathSync(NGINX_TEMPLATE));
      expect(template![1]).toMatch(/\.template$/);
      const values = nginx.environment ?? {};
      expect(templatePlaceholders().filter((name) => !values[name])).toEqual([]);
    });

    it('the services agree: trusted proxy, issuer, origins, upstreams and ports', () => {
      const [apiName] = ofProgram('auth-api')[0]!;
      const [nginxName, nginx] = ofProgram('nginx')[0]!;
      const api = env(apiName);
      const apiPort = stages.get('auth-api')!.env.AUTH_API_PORT;
      const gatewayPort = stages.get('gateway')!.env.GATEWAY_PORT;
      // X-Forwarded-For is believed from nginx's fixed address, inside the network's subnet.
      const [networkName, network] = Object.entries(nginx.networks ?? {})[0]!;
      expect(api.TRUST_PROXY).toBe(network?.ipv4_address);
      const subnet = compose.networks?.[networkName]?.ipam?.config?.[0]?.subnet ?? '';
      expect(network?.ipv4_address?.startsWith(subnet.split('.').slice(0, 3).join('.'))).toBe(true);
      const publicUrl = new URL(api.AUTH_PUBLIC_URL!);
      expect(publicUrl.protocol).toBe('https:');
      expect(new URL(api.GATEWAY_PUBLIC_URL!).href).toBe(`wss://${publicUrl.host}/ws`);
      for (const [name] of ofProgram('gateway')) {
        expect(env(name).AUTH_ISSUER).toBe(api.AUTH_PUBLIC_URL);
        expect(env(name).ALLOWED_ORIGINS).toBe(publicUrl.origin);
        expect(env(name).AUTH_JWKS_URL).toBe(`http://${apiName}:${apiPort}/.well-known/jwks.json`);
      }
      expect(new Set(ofProgram('gateway').map(([name]) => env(name).GATEWAY_INSTANCE_ID)).size).toBe(2);
      // nginx proxies to every instance, on the ports the images listen on, and listens where published.
      const nginxEnv = env(nginxName);
      expect(nginxEnv.WIREFLEET_API_SERVERS).toBe(`server ${apiName}:${apiPort};`);
      expect(nginxEnv.WIREFLEET_GATEWAY_SERVERS).toBe(
        ofProgram('gateway')
          .map(([name]) => `server ${name}:${gatewayPort};`)
          .join(' '),
      );
      // nginx resolves upstream names once, at start: each upstream keeps one address for good.
      for (const [name] of [...ofProgram('auth-api'), ...ofProgram('gateway')]) {
        const address = Object.values(compose.services[name]!.networks ?? {})[0]?.ipv4_address ?? '';
        expect(
          address.startsWith(subnet.split('.').slice(0, 3).join('.')),
          `${name} at a fixed address`,
        ).toBe(true);
      }
      const published = nginx.ports![0]!;
      expect(typeof published === 'string' ? published : `${published.published}:${published.target}`).toBe(
        `${publicUrl.port}:${nginxEnv.WIREFLEET_LISTEN}`,
      );
      // The simulated agents go through nginx, by the name its certificate carries.
      const [simulatorName] = ofProgram('simulator')[0]!;
      expect(new URL(env(simulatorName).AUTH_PUBLIC_URL!).host).toBe(
        `${nginxName}:${nginxEnv.WIREFLEET_LISTEN}`,
      );
      expect(source('infra/docker/make-dev-cert.sh')).toContain(`DNS:${nginxName}`);
    });
  },
);
