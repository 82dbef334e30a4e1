/** A WireGuard key pair, both halves in standard base64 as `wg` prints them. */
export interface WireguardKeyPair {
  privateKey: string;
  publicKey: string;
}

export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** Curve25519 clamping, as `wg genkey` applies it: the public key is the same either way. */
export function clamp(privateKey: Uint8Array): Uint8Array {
  const clamped = Uint8Array.from(privateKey);
  clamped[0]! &= 248;
  clamped[31]! = (clamped[31]! & 127) | 64;
  return clamped;
}

/** WebCrypto's X25519 (Chromium 133+, Firefox 130+, Safari 17+); undefined where it is missing. */
async function generateWithWebCrypto(subtle: SubtleCrypto): Promise<WireguardKeyPair | undefined> {
  let pair: CryptoKeyPair;
  try {
    pair = (await subtle.generateKey({ name: 'X25519' }, true, ['deriveBits'])) as CryptoKeyPair;
  } catch {
    return undefined;
  }
  // PKCS #8 of an X25519 key is a fixed 16-byte header followed by the 32-byte private key.
  const pkcs8 = new Uint8Array(await subtle.exportKey('pkcs8', pair.privateKey));
  const raw = new Uint8Array(await subtle.exportKey('raw', pair.publicKey));
  return { privateKey: toBase64(clamp(pkcs8.slice(-32))), publicKey: toBase64(raw) };
}

/** @noble/curves (audited, no dependencies), loaded only when WebCrypto cannot do X25519. */
async function generateWithNoble(): Promise<WireguardKeyPair> {
  const { x25519 } = await import('@noble/curves/ed25519.js');
  const secret = clamp(x25519.utils.randomSecretKey());
  return { privateKey: toBase64(secret), publicKey: toBase64(x25519.getPublicKey(secret)) };
}

/**
 * A fresh key pair, made in this browser. The private key is only ever put into the client
 * config shown to the user; it is never sent anywhere.
 */
export async function generateWireguardKeyPair(subtle: SubtleCrypto | undefined = globalThis.crypto?.subtle): Promise<WireguardKeyPair & { source: 'webcrypto' | 'noble' }> {
  const native = subtle ? await generateWithWebCrypto(subtle) : undefined;
  if (native) return { ...native, source: 'webcrypto' };
  return { ...(await generateWithNoble()), source: 'noble' };
}
