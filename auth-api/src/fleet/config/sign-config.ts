import { CONFIG_JWS_TYP } from '@wirefleet/shared/tokens';
import jwt from 'jsonwebtoken';
import type { Keyring } from '../../identity/keys/index.js';
import type { NodeConfig, SignedNodeConfig } from './node-config.js';

/**
 * Signs a node configuration as a compact JWS (`typ: wirefleet-config+jws`) with the keyring's
 * active key, so it verifies against the same JWKS as access tokens. No `iat`/`exp` are
 * added: the config's own `revision` and `issued_at` order it, and agents keep applying their
 * last verified config while the control plane is unreachable.
 */
export function signNodeConfig(keyring: Keyring, config: NodeConfig): SignedNodeConfig {
  const key = keyring.signingKey();
  const signature = jwt.sign(config as unknown as Record<string, unknown>, key.privateKey, {
    algorithm: key.alg,
    keyid: key.kid,
    noTimestamp: true,
    header: { alg: key.alg, typ: CONFIG_JWS_TYP, kid: key.kid },
  });
  return { config, signature };
}
