import fs from 'node:fs';

declare const __WIREFLEET_AGENT_VERSION__: string | undefined;

/**
 * This build's version. The bundle has it written in at build time (scripts/bundle.js defines
 * `__WIREFLEET_AGENT_VERSION__`); run from its modules (tsx, dist/), it is node-agent's
 * package.json version. Compared with the signed config's `agent_update.version`.
 */
export const AGENT_VERSION: string =
  typeof __WIREFLEET_AGENT_VERSION__ === 'string' ? __WIREFLEET_AGENT_VERSION__ : packageVersion();

function packageVersion(): string {
  try {
    const text = fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
    return (JSON.parse(text) as { version?: string }).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** Numeric comparison of `major.minor.patch` (a pre-release sorts before its release). */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const [core = '', pre] = v.split('-', 2);
    return { parts: core.split('.').map((n) => Number.parseInt(n, 10) || 0), pre };
  };
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < 3; i += 1) {
    const d = (x.parts[i] ?? 0) - (y.parts[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  if (x.pre === y.pre) return 0;
  if (x.pre === undefined) return 1;
  if (y.pre === undefined) return -1;
  return x.pre < y.pre ? -1 : 1;
}
