import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

export interface BundleFigures {
  /** Scripts the app page loads before anything else: its module entry and its modulepreloads. */
  overviewFiles: Array<{ file: string; bytes: number; gzipBytes: number }>;
  overviewGzipBytes: number;
  /** Every script of the app (lazy views included), and the API reference page's bundle. */
  allAppGzipBytes: number;
}

const gzipSize = (file: string) => zlib.gzipSync(fs.readFileSync(file), { level: 9 }).length;

/**
 * What the overview costs on the wire: the built index.html names the entry module and (as
 * modulepreload links) every chunk it imports statically; views behind a route are lazy chunks
 * and load only when opened. Sizes are gzip level 9 of the built files.
 */
export function measureBundle(dir: string): BundleFigures {
  const html = fs.readFileSync(path.join(dir, 'index.html'), 'utf8');
  const names = [
    ...html.matchAll(/<script[^>]+type="module"[^>]+src="\/([^"]+)"/g),
    ...html.matchAll(/<link[^>]+rel="modulepreload"[^>]+href="\/([^"]+)"/g),
  ].map((match) => match[1]!);
  const overviewFiles = [...new Set(names)].map((file) => {
    const full = path.join(dir, file);
    return { file, bytes: fs.statSync(full).size, gzipBytes: gzipSize(full) };
  });
  const docsEntry = /<script[^>]+src="\/([^"]+)"/.exec(fs.readFileSync(path.join(dir, 'docs', 'index.html'), 'utf8'))?.[1];
  const allApp = fs
    .readdirSync(path.join(dir, 'assets'))
    .filter((file) => file.endsWith('.js') && `assets/${file}` !== docsEntry)
    .reduce((sum, file) => sum + gzipSize(path.join(dir, 'assets', file)), 0);
  return {
    overviewFiles,
    overviewGzipBytes: overviewFiles.reduce((sum, file) => sum + file.gzipBytes, 0),
    allAppGzipBytes: allApp,
  };
}
