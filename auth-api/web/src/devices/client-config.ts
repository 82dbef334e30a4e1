/**
 * The API's client config leaves the private key out (it never reaches the server) with a
 * commented placeholder line; this puts the browser-made key in its place.
 */
export function withPrivateKey(clientConfig: string, privateKey: string): string {
  const lines = clientConfig.split('\n');
  const placeholder = lines.findIndex((line) => /^#\s*PrivateKey\s*=/.test(line));
  const keyLine = `PrivateKey = ${privateKey}`;
  if (placeholder >= 0) lines[placeholder] = keyLine;
  else lines.splice(lines.indexOf('[Interface]') + 1, 0, keyLine);
  return lines.join('\n');
}

/** A file name wg-quick accepts as an interface name (≤ 15 characters). */
export function configFileName(deviceName: string): string {
  const base = deviceName.replace(/[^A-Za-z0-9_=+.-]/g, '-').slice(0, 15) || 'wirefleet';
  return `${base}.conf`;
}
