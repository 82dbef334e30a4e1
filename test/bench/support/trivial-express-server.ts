/**
 * The HTTP-framework baseline: Express 5 with the JSON body parser and one route that answers
 * a refresh-shaped request without any work behind it. Run as a child process by the suites
 * (port in BENCH_PORT), so it is measured the same way as the auth-api.
 */
import { randomBytes } from 'node:crypto';
import express from 'express';

const app = express();
app.disable('x-powered-by');
app.use(express.json({ limit: '64kb' }));
app.get('/healthz', (_req, res) => {
  res.json({ status: 'ok' });
});
app.post('/v1/auth/refresh', (req, res) => {
  const body = req.body as { refresh_token?: unknown };
  // A reply of about the size of a real token pair, so both sides move similar bytes.
  res.json({
    access_token: randomBytes(300).toString('base64url'),
    token_type: 'Bearer',
    expires_in: 900,
    refresh_token: typeof body.refresh_token === 'string' ? body.refresh_token : '',
    refresh_expires_in: 2_592_000,
  });
});
const server = app.listen(Number(process.env.BENCH_PORT ?? 0), '127.0.0.1');
process.once('SIGTERM', () => server.close(() => process.exit(0)));
