import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';

/** A download that is not the build the signed config describes: never installed. */
export class DownloadRefused extends Error {
  override readonly name = 'DownloadRefused';
}

export interface ExpectedFile {
  bytes: number;
  /** Hex SHA-256 of the whole file. */
  sha256: string;
}

/**
 * Downloads `url` into `dest` only if it is exactly the file expected: no more than `bytes` are
 * read (a longer answer is cut off and refused), and the size and SHA-256 of what arrived must
 * match. The bytes go to a temporary file beside `dest`, renamed onto it once checked, so
 * `dest` is either absent or the verified build. With `ca`, https trusts those CAs only.
 */
export async function downloadVerified(
  url: string,
  expected: ExpectedFile,
  dest: string,
  options: { ca?: Buffer | undefined; timeoutMs: number; onVerifying?: () => void },
): Promise<void> {
  fs.mkdirSync(path.dirname(dest), { recursive: true, mode: 0o700 });
  const temporary = `${dest}.${process.pid}.part`;
  try {
    const got = await fetchTo(url, temporary, expected.bytes, options);
    options.onVerifying?.();
    if (got.size !== expected.bytes)
      throw new DownloadRefused(`${got.size} bytes, the signed config says ${expected.bytes}`);
    if (got.sha256 !== expected.sha256)
      throw new DownloadRefused(`sha256 ${got.sha256}, the signed config says ${expected.sha256}`);
    fs.renameSync(temporary, dest);
  } finally {
    fs.rmSync(temporary, { force: true });
  }
}

/** Streams `url` into `file` (at most `maxBytes`), hashing as it goes. */
function fetchTo(
  url: string,
  file: string,
  maxBytes: number,
  options: { ca?: Buffer | undefined; timeoutMs: number },
): Promise<{ size: number; sha256: string }> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const transport = target.protocol === 'https:' ? https : target.protocol === 'http:' ? http : undefined;
    if (!transport) return reject(new DownloadRefused(`${target.protocol} is not http(s)`));
    const out = fs.createWriteStream(file, { mode: 0o600 });
    const hash = createHash('sha256');
    let size = 0;
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      request.destroy();
      // Rejected only once the file is closed: a stream still opening it would otherwise create
      // the temporary file after the caller's cleanup removed it.
      out.destroy();
      if (out.closed) reject(error);
      else out.once('close', () => reject(error));
    };
    out.on('error', fail);
    const tls = transport === https && options.ca ? { ca: options.ca } : {};
    const request = transport.get(target, { ...tls }, (response) => {
      if (response.statusCode !== 200) {
        response.resume();
        return fail(new Error(`${target.pathname} answered ${response.statusCode}`));
      }
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) return fail(new DownloadRefused(`larger than the signed size ${maxBytes}`));
        hash.update(chunk);
        out.write(chunk);
      });
      response.on('error', fail);
      response.on('end', () => {
        if (settled) return;
        out.end(() => {
          if (settled) return;
          settled = true;
          clearTimeout(deadline);
          resolve({ size, sha256: hash.digest('hex') });
        });
      });
    });
    request.on('error', fail);
    const deadline = setTimeout(
      () => fail(new Error(`no complete download within ${options.timeoutMs} ms`)),
      options.timeoutMs,
    );
  });
}
