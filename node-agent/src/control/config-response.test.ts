import { describe, expect, it } from 'vitest';
import { readConfigResponse } from './config-response.js';

const jws = 'eyJhbGciOiJFUzI1NiJ9.eyJyZXZpc2lvbiI6MX0.c2ln-_';

describe("reading the config endpoint's answer", () => {
  it('cuts the signature out of the answer as express sends it, without parsing the unsigned copy', () => {
    const config = { peers: [{ public_key: 'k', endpoint: '"signature":"forged"}' }], signature: 'nested' };
    const text = JSON.stringify({ config, signature: jws });
    expect(readConfigResponse(text)).toEqual({ signature: jws });
    expect(readConfigResponse(`${text}\n`)).toEqual({ signature: jws });
  });

  it('reads any other answer as JSON.parse does', () => {
    const reordered = JSON.stringify({ signature: jws, config: { revision: 1 } });
    expect(readConfigResponse(reordered)).toEqual(JSON.parse(reordered));
    const escaped = JSON.stringify({ config: {}, signature: 'a"b' });
    expect(readConfigResponse(escaped)).toEqual({ config: {}, signature: 'a"b' });
    expect(readConfigResponse('{"code":"not_found"}')).toEqual({ code: 'not_found' });
    expect(readConfigResponse('not json')).toBeUndefined();
    expect(readConfigResponse('')).toBeUndefined();
  });
});
