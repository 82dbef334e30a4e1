import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findExecutable } from './executables.js';

/** A server certificate issued by a TestCa: PEM files, and its fingerprint to compare with what a client saw. */
export interface IssuedCertificate {
  certFile: string;
  keyFile: string;
  fingerprint256: string;
}

/**
 * A certificate authority made for one test file with the openssl CLI, in a temporary folder:
 * P-256 keys, two days of validity, server certificates for 127.0.0.1 and localhost.
 */
export interface TestCa {
  dir: string;
  /** The CA certificate (PEM): what a client is told to trust. */
  caFile: string;
  issue(name: string): IssuedCertificate;
  /** A self-signed certificate no client trusts. */
  selfSigned(name: string): IssuedCertificate;
  cleanup(): void;
}

function openssl(): string {
  const found = findExecutable('openssl');
  if (!found)
    throw new Error(
      'openssl is not installed: the TLS tests make their CA with it (apt-get install openssl)',
    );
  return found;
}

export function createTestCa(): TestCa {
  const bin = openssl();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wf-ca-'));
  const run = (args: string[]) => execFileSync(bin, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const p256 = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  run([
    'req',
    '-x509',
    ...p256,
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=Wirefleet Test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  const extensions = path.join(dir, 'server.ext');
  fs.writeFileSync(
    extensions,
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n',
  );
  const issued = (name: string): IssuedCertificate => {
    const certFile = path.join(dir, `${name}.pem`);
    const fingerprint256 = new X509Certificate(fs.readFileSync(certFile)).fingerprint256;
    return { certFile, keyFile: path.join(dir, `${name}.key`), fingerprint256 };
  };
  return {
    dir,
    caFile: path.join(dir, 'ca.pem'),
    issue(name) {
      run(['req', ...p256, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`]);
      run([
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'ca.pem',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-out',
        `${name}.pem`,
        '-days',
        '2',
        '-extfile',
        extensions,
      ]);
      return issued(name);
    },
    selfSigned(name) {
      run([
        'req',
        '-x509',
        ...p256,
        '-keyout',
        `${name}.key`,
        '-out',
        `${name}.pem`,
        '-days',
        '2',
        '-subj',
        `/CN=${name}`,
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
      ]);
      return issued(name);
    },
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
