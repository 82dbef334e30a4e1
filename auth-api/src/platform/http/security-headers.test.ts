import express from 'express';
import helmet from 'helmet';
import { describe, expect, it } from 'vitest';
import { helmetOptions } from '../../dashboard/index.js';
import { securityHeaders } from './security-headers.js';

/** The headers an app with `middleware` in front sends for a plain route. */
async function headersWith(middleware: express.RequestHandler): Promise<Record<string, string>> {
  const app = express();
  app.disable('x-powered-by');
  app.use(middleware);
  app.get('/x', (_req, res) => void res.json({ ok: true }));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    const { port } = server.address() as { port: number };
    const response = await fetch(`http://127.0.0.1:${port}/x`);
    const headers = Object.fromEntries(response.headers);
    delete headers.date;
    return headers;
  } finally {
    server.close();
  }
}

describe('securityHeaders: helmet worked out once', () => {
  it('sends exactly the headers helmet sends, for the options the app uses', async () => {
    for (const publicUrl of ['http://127.0.0.1:8080', 'https://api.example.test']) {
      const options = helmetOptions({ publicUrl, gatewayPublicUrl: 'ws://127.0.0.1:9000/ws' });
      expect(await headersWith(securityHeaders(options))).toEqual(await headersWith(helmet(options)));
    }
  });

  it('keeps running helmet per request when a directive is computed per request', async () => {
    let calls = 0;
    const nonce = () => {
      calls += 1;
      return `'nonce-${calls}'`;
    };
    const options = { contentSecurityPolicy: { directives: { 'script-src': [nonce] } } };
    const first = await headersWith(securityHeaders(options));
    const second = await headersWith(securityHeaders(options));
    expect(first['content-security-policy']).not.toBe(second['content-security-policy']);
  });
});
