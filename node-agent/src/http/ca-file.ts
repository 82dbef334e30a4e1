import fs from 'node:fs';
import { X509Certificate } from 'node:crypto';
import WebSocket from 'ws';
import type { WebSocketConstructor } from '@wirefleet/shared/client';
import { AgentConfigError } from '../config/files.js';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * The certificate authorities in `--ca-file` (PEM, one or more): the only ones the agent then
 * trusts for the auth-api and the gateway — a private CA, or a pinned self-signed certificate.
 * Checked at start so a wrong file is one clear line, not a TLS error on every reconnect.
 */
export function readCaFile(file: string): Buffer {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new AgentConfigError(
      `ca_file: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  const certificates = text.match(PEM_CERTIFICATE) ?? [];
  if (certificates.length === 0)
    throw new AgentConfigError(`ca_file: ${file} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  for (const pem of certificates) {
    try {
      new X509Certificate(pem);
    } catch (error) {
      throw new AgentConfigError(
        `ca_file: ${file} holds a certificate that does not parse (${(error as Error).message})`,
      );
    }
  }
  return Buffer.from(certificates.join('\n'));
}

/** The `ws` client, trusting `ca` for wss:// when given (the shared client constructs it with url and protocols only). */
export function webSocketTrusting(ca: Buffer | undefined): WebSocketConstructor {
  if (!ca) return WebSocket as unknown as WebSocketConstructor;
  class TrustingWebSocket extends WebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols, { ca });
    }
  }
  return TrustingWebSocket as unknown as WebSocketConstructor;
}
