import {
  canonicalCidr,
  checkedKeyToHex,
  checkEndpoint,
  checkInteger,
  checkKeepalive,
  checkKey,
  checkPort,
  keyToHex,
} from './validate.js';

/**
 * One peer's part of a UAPI `set=1` request. Keys are base64 here (as in the config) and hex
 * on the wire.
 * - `add`: a peer the interface does not have; every field is sent.
 * - `update`: only the fields present are sent; `allowedIps` replaces the whole list.
 * - `remove`: the peer goes (`remove=true`).
 */
export type UapiPeerChange =
  | {
      kind: 'add';
      publicKey: string;
      allowedIps: string[];
      endpoint?: string;
      persistentKeepalive?: number;
    }
  | {
      kind: 'update';
      publicKey: string;
      allowedIps?: string[];
      endpoint?: string;
      persistentKeepalive?: number;
    }
  | { kind: 'remove'; publicKey: string };

/** Everything one `set=1` request changes; device fields only when they change. */
export interface UapiSetChanges {
  privateKey?: string;
  listenPort?: number;
  /** The mark on WireGuard's own packets (0: none); exit routing needs one. */
  fwmark?: number;
  peers: UapiPeerChange[];
}

/** A firewall mark: 32 bits. */
export function checkFwmark(value: unknown): number {
  return checkInteger(value, 'fwmark', 0, 0xffffffff);
}

/** Whether a request would change anything at all (an empty set is never sent). */
export function isEmptyChange(changes: UapiSetChanges): boolean {
  return (
    changes.privateKey === undefined &&
    changes.listenPort === undefined &&
    changes.fwmark === undefined &&
    changes.peers.length === 0
  );
}

/** Appends one peer's lines to `lines`; `key` is its public key, already checked. */
function appendPeerLines(lines: string[], peer: UapiPeerChange, key: string): void {
  lines.push(`public_key=${checkedKeyToHex(key)}`);
  if (peer.kind === 'remove') {
    lines.push('remove=true');
    return;
  }
  if (peer.kind === 'add' && !Array.isArray(peer.allowedIps))
    throw new TypeError('allowedIps must be an array');
  if (peer.allowedIps !== undefined) {
    lines.push('replace_allowed_ips=true');
    for (const cidr of peer.allowedIps) lines.push(`allowed_ip=${canonicalCidr(cidr)}`);
  }
  if (peer.endpoint !== undefined) lines.push(`endpoint=${checkEndpoint(peer.endpoint)}`);
  if (peer.persistentKeepalive !== undefined || peer.kind === 'add') {
    lines.push(`persistent_keepalive_interval=${checkKeepalive(peer.persistentKeepalive ?? 0)}`);
  }
}

/**
 * Renders a UAPI `set=1` request, terminated by the blank line that ends it. Pure; every value
 * is re-validated here and anything invalid throws, so the output has exactly the lines the
 * changes call for and no value can smuggle in another `key=value` line.
 */
export function renderUapiSet(changes: UapiSetChanges): string {
  const lines = ['set=1'];
  if (changes.privateKey !== undefined)
    lines.push(`private_key=${keyToHex(changes.privateKey, 'private key')}`);
  if (changes.listenPort !== undefined)
    lines.push(`listen_port=${checkPort(changes.listenPort, 'listen port')}`);
  if (changes.fwmark !== undefined) lines.push(`fwmark=${checkFwmark(changes.fwmark)}`);
  const seen = new Set<string>();
  for (const peer of changes.peers) {
    const key = checkKey(peer.publicKey, 'peer public key');
    // A key twice in one request would make the second entry silently undo the first.
    if (seen.has(key)) throw new RangeError(`peer ${key} appears twice in one UAPI request`);
    seen.add(key);
    appendPeerLines(lines, peer, key);
  }
  return `${lines.join('\n')}\n\n`;
}
