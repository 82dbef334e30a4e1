import { checkFwmark, type UapiPeerChange, type UapiSetChanges } from '../render/uapi-request.js';
import {
  canonicalCidr,
  checkEndpoint,
  checkInterfaceName,
  checkKeepalive,
  checkKey,
  checkPort,
} from '../render/validate.js';
import type { CommandRunner } from './command-runner.js';
import type { WgDeviceState, WgPeerState, WireguardTransport } from './uapi-client.js';

/** Peers per `wg set` call: keeps argument vectors far below ARG_MAX on 10,000-peer fleets. */
const PEERS_PER_CALL = 500;

function parseFwmark(value: string): number {
  if (!/^(0x[0-9a-f]{1,8}|[0-9]{1,10})$/.test(value)) throw new RangeError('wg dump: bad fwmark');
  return Number(value);
}

function numberField(value: string | undefined, what: string): number {
  if (value === undefined || !/^[0-9]{1,20}$/.test(value)) throw new RangeError(`wg dump: bad ${what}`);
  return Number(value);
}

/**
 * Parses `wg show <if> dump` (tab-separated; the first line is the interface, then one line per
 * peer) into the same shape the UAPI `get` yields.
 */
export function parseWgDump(text: string): WgDeviceState {
  const [head, ...rows] = text.split('\n').filter((line) => line !== '');
  if (head === undefined) throw new RangeError('wg dump: empty output');
  const [privateKey, , listenPort, fwmark] = head.split('\t');
  const device: WgDeviceState = { peers: [] };
  if (privateKey && privateKey !== '(none)') device.privateKey = checkKey(privateKey, 'private key');
  if (listenPort && listenPort !== '0') device.listenPort = numberField(listenPort, 'listen port');
  // `wg` prints the mark in hex (0x…), or `off`.
  if (fwmark && fwmark !== 'off' && fwmark !== '0') device.fwmark = parseFwmark(fwmark);
  for (const row of rows) {
    const [publicKey, , endpoint, allowed, handshake, rx, tx, keepalive] = row.split('\t');
    const peer: WgPeerState = {
      publicKey: checkKey(publicKey, 'peer public key'),
      allowedIps:
        !allowed || allowed === '(none)'
          ? []
          : allowed
              .split(',')
              .map((cidr) => canonicalCidr(cidr))
              .sort(),
      persistentKeepalive: !keepalive || keepalive === 'off' ? 0 : numberField(keepalive, 'keepalive'),
      lastHandshakeSec: numberField(handshake, 'latest handshake'),
      lastHandshakeNsec: 0,
      rxBytes: numberField(rx, 'rx bytes'),
      txBytes: numberField(tx, 'tx bytes'),
    };
    if (endpoint && endpoint !== '(none)') peer.endpoint = checkEndpoint(endpoint);
    device.peers.push(peer);
  }
  return device;
}

function peerArgs(change: UapiPeerChange): string[] {
  const args = ['peer', checkKey(change.publicKey, 'peer public key')];
  if (change.kind === 'remove') return [...args, 'remove'];
  // `wg set … allowed-ips` replaces the whole list, as `replace_allowed_ips=true` does.
  if (change.allowedIps !== undefined)
    args.push('allowed-ips', change.allowedIps.map((c) => canonicalCidr(c)).join(','));
  if (change.endpoint !== undefined) args.push('endpoint', checkEndpoint(change.endpoint));
  if (change.persistentKeepalive !== undefined || change.kind === 'add') {
    const seconds = checkKeepalive(change.persistentKeepalive ?? 0);
    args.push('persistent-keepalive', seconds === 0 ? 'off' : String(seconds));
  }
  return args;
}

/**
 * Reads and changes a kernel WireGuard link through `wg` (the kernel module speaks netlink, not
 * the UAPI socket). Only used where `ip link add … type wireguard` works.
 */
export class WgCliTransport implements WireguardTransport {
  readonly kind = 'wg-cli';
  private readonly interfaceName: string;

  constructor(
    interfaceName: string,
    private readonly run: CommandRunner,
  ) {
    this.interfaceName = checkInterfaceName(interfaceName);
  }

  async get(): Promise<WgDeviceState> {
    const { stdout } = await this.run('wg', ['show', this.interfaceName, 'dump']);
    return parseWgDump(stdout);
  }

  async set(changes: UapiSetChanges): Promise<void> {
    const head = ['set', this.interfaceName];
    if (changes.listenPort !== undefined)
      head.push('listen-port', String(checkPort(changes.listenPort, 'listen port')));
    if (changes.fwmark !== undefined) head.push('fwmark', String(checkFwmark(changes.fwmark)));
    let input: string | undefined;
    if (changes.privateKey !== undefined) {
      // Through stdin: a private key must never appear in a process list.
      input = `${checkKey(changes.privateKey, 'private key')}\n`;
      head.push('private-key', '/dev/stdin');
    }
    const peers = changes.peers.map(peerArgs);
    if (peers.length === 0) {
      await this.run('wg', head, input === undefined ? {} : { input });
      return;
    }
    for (let start = 0; start < peers.length; start += PEERS_PER_CALL) {
      const args = start === 0 ? head : ['set', this.interfaceName];
      const chunk = peers.slice(start, start + PEERS_PER_CALL).flat();
      await this.run('wg', [...args, ...chunk], start === 0 && input !== undefined ? { input } : {});
    }
  }
}
