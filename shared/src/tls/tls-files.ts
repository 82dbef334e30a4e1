import fs from 'node:fs';
import { createSecureContext } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { ConfigError, StartupError } from '../config/index.js';

/** The oldest protocol either service accepts: TLS 1.0 and 1.1 are broken and deprecated (RFC 8996). */
export const MIN_TLS_VERSION = 'TLSv1.2';

/** Where a service's certificate chain and private key live (PEM). */
export interface TlsFiles {
  certFile: string;
  keyFile: string;
}

/** A certificate and key read from disk and known to pair, with what an operator wants logged. */
export interface LoadedTls {
  cert: Buffer;
  key: Buffer;
  /** The leaf certificate: subject, SHA-256 fingerprint and expiry, for the start and reload logs. */
  summary: { subject: string; fingerprint256: string; validTo: string };
}

/**
 * The TLS files from a pair of variables: both set (TLS on), neither (plain HTTP/WS, e.g. behind
 * a proxy that terminates TLS), or a ConfigError naming the one missing.
 */
export function tlsFilesFromEnv(
  names: { cert: string; key: string },
  values: { cert: string | undefined; key: string | undefined },
): TlsFiles | undefined {
  if (values.cert && values.key) return { certFile: values.cert, keyFile: values.key };
  if (!values.cert && !values.key) return undefined;
  const missing = values.cert ? names.key : names.cert;
  const present = values.cert ? names.cert : names.key;
  throw new ConfigError([
    `${missing}: required when ${present} is set (TLS needs both the certificate and its key)`,
  ]);
}

/**
 * Reads and checks the certificate chain and key: both PEM, the key the certificate's, usable
 * by OpenSSL at TLS 1.2+. Checking here gives one clear error — at start, or on a reload that
 * then keeps the previous certificate — instead of a handshake failure on the first client.
 */
export function loadTlsFiles(files: TlsFiles): LoadedTls {
  const cert = readPem(files.certFile, 'certificate');
  const key = readPem(files.keyFile, 'private key');
  try {
    createSecureContext({ cert, key, minVersion: MIN_TLS_VERSION });
  } catch (error) {
    throw new TlsFilesError(
      `the TLS certificate ${files.certFile} and key ${files.keyFile} cannot be used together (${reasonOf(error)})`,
      'give the key that belongs to the certificate, both in PEM, the leaf certificate first',
      error,
    );
  }
  const leaf = new X509Certificate(cert);
  return {
    cert,
    key,
    summary: {
      subject: leaf.subject.replace(/\n/g, ', '),
      fingerprint256: leaf.fingerprint256,
      validTo: leaf.validTo,
    },
  };
}

/** A TLS file that is missing, unreadable or not what it should be. A StartupError: one line with the fix. */
export class TlsFilesError extends StartupError {
  constructor(message: string, hint: string, cause: unknown) {
    super(message, hint, { cause });
    this.name = 'TlsFilesError';
  }
}

function readPem(file: string, what: string): Buffer {
  let content: Buffer;
  try {
    content = fs.readFileSync(file);
  } catch (error) {
    throw new TlsFilesError(
      `cannot read the TLS ${what} ${file} (${reasonOf(error)})`,
      'check the path and that this user may read it',
      error,
    );
  }
  if (!content.includes('-----BEGIN ')) {
    throw new TlsFilesError(
      `the TLS ${what} ${file} is not PEM`,
      'convert it to PEM (-----BEGIN …-----)',
      undefined,
    );
  }
  return content;
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
