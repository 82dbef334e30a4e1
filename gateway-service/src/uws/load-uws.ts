import { createRequire } from 'node:module';
import { StartupError } from '@wirefleet/shared/config';
import type * as Uws from 'uWebSockets.js';

export type UwsModule = typeof Uws;

/**
 * The uWebSockets.js build we depend on silently swaps in a slow `ws`-based emulation when
 * its native binary does not load (wrong Node ABI, wrong libc). That emulation is an order of
 * magnitude slower and lacks parts of the API, so it must never run by accident.
 */
export function isNativeUws(module: unknown): boolean {
  const candidate = module as Partial<UwsModule> | undefined;
  return (
    typeof candidate?.App === 'function' &&
    typeof candidate.us_listen_socket_close === 'function' &&
    /\[native code\]/.test(Function.prototype.toString.call(candidate.App))
  );
}

export class UwsFallbackError extends StartupError {
  constructor() {
    super(
      'uWebSockets.js did not load its native binary and fell back to a slow ws emulation (Node ' +
        `${process.versions.node}, ABI ${process.versions.modules}, ${process.platform}-${process.arch})`,
      'use a supported Node/glibc, or set GATEWAY_ALLOW_UWS_FALLBACK=true to run degraded anyway',
    );
    this.name = 'UwsFallbackError';
  }
}

/** Loads uWebSockets.js; refuses the emulation unless `allowFallback`. */
export function loadUws(allowFallback: boolean): { uws: UwsModule; native: boolean } {
  const require = createRequire(import.meta.url);
  const uws = require('uWebSockets.js') as UwsModule;
  const native = isNativeUws(uws);
  if (!native && !allowFallback) throw new UwsFallbackError();
  return { uws, native };
}
