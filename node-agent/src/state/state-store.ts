import fs from 'node:fs';
import path from 'node:path';
import type { Jwks } from '@wirefleet/shared/tokens';
import { writeFileAtomic } from '../config/files.js';

/**
 * What the agent remembers between runs, in `<config dir>/state/`:
 * - `last-config.jws`: the last signed config that verified and applied — applied again at
 *   start before the network is reached, so the tunnel survives a control-plane outage;
 * - `jwks.json`: the auth-api's public keys, so that config can be verified offline;
 * - `commands.json`: the commands this node ran and results not yet delivered (CommandLedger).
 */
export class StateStore {
  private readonly dir: string;

  constructor(configDir: string) {
    this.dir = path.join(configDir, 'state');
  }

  /** The state folder, for state kept in files of its own (the command ledger). */
  get directory(): string {
    return this.dir;
  }

  lastConfig(): string | undefined {
    return this.read('last-config.jws');
  }

  saveLastConfig(jws: string): void {
    writeFileAtomic(path.join(this.dir, 'last-config.jws'), jws);
  }

  jwks(): Jwks | undefined {
    const text = this.read('jwks.json');
    if (!text) return undefined;
    try {
      return JSON.parse(text) as Jwks;
    } catch {
      // A corrupt cache is no cache: the agent refetches (and refuses to apply until it can verify).
      return undefined;
    }
  }

  saveJwks(jwks: Jwks): void {
    writeFileAtomic(path.join(this.dir, 'jwks.json'), JSON.stringify(jwks));
  }

  private read(name: string): string | undefined {
    try {
      return fs.readFileSync(path.join(this.dir, name), 'utf8');
    } catch {
      return undefined;
    }
  }
}
