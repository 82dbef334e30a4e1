import { x25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import { withPrivateKey, configFileName } from './client-config.js';
import { clamp, generateWireguardKeyPair } from './wireguard-keys.js';

const fromBase64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

describe('WireGuard keys made in the browser', () => {
  it.each([
    ['WebCrypto', () => globalThis.crypto.subtle],
    ['the @noble/curves fallback', () => undefined],
  ])('%s: a clamped 32-byte private key whose X25519 public key is the one returned', async (_name, subtle) => {
    const pair = await generateWireguardKeyPair(subtle());
    const secret = fromBase64(pair.privateKey);
    expect(secret).toHaveLength(32);
    expect(clamp(secret)).toEqual(secret);
    expect(pair.publicKey).toMatch(/^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/);
    expect(fromBase64(pair.publicKey)).toEqual(x25519.getPublicKey(secret));
  });
});

describe('the client config', () => {
  const config = '[Interface]\n# PrivateKey = <the private key that belongs to this device public key>\nAddress = 100.96.0.9/32\n\n[Peer]\nPublicKey = abc=\n';

  it('gets the private key in place of the API’s placeholder line', () => {
    expect(withPrivateKey(config, 'KEY=')).toBe('[Interface]\nPrivateKey = KEY=\nAddress = 100.96.0.9/32\n\n[Peer]\nPublicKey = abc=\n');
  });

  it('is offered as a file name wg-quick accepts', () => {
    expect(configFileName('alice laptop/../x')).toBe('alice-laptop-...conf');
    expect(configFileName('phone')).toBe('phone.conf');
  });
});
