import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dnsNames } from './listener.js';

describe('dnsNames (the server names a TLS reload registers)', () => {
  it('lists the DNS names of the certificate, wildcards included, lower-cased, without IP entries', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wf-san-'));
    try {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:P-256',
          '-nodes',
          '-keyout',
          'k.pem',
          '-out',
          'c.pem',
          '-days',
          '1',
          '-subj',
          '/CN=gw',
          '-addext',
          'subjectAltName=DNS:GW.example.com,DNS:*.gw.example.com,IP:192.0.2.1,DNS:gw.example.com',
        ],
        { cwd: dir, stdio: 'ignore' },
      );
      expect(dnsNames(fs.readFileSync(path.join(dir, 'c.pem')))).toEqual([
        'gw.example.com',
        '*.gw.example.com',
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
