// HEALTHCHECK of the service images: GET /readyz on the port named by the variable given
// (AUTH_API_PORT or GATEWAY_PORT); exit 0 on 200, 1 otherwise. Node only: the slim image has no curl.
const variable = process.argv[2];
const port = process.env[variable ?? ''];
if (!port) {
  console.error(`usage: node healthcheck.mjs AUTH_API_PORT|GATEWAY_PORT (${variable} is not set)`);
  process.exit(2);
}
try {
  const response = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2_500) });
  process.exit(response.status === 200 ? 0 : 1);
} catch {
  // Not listening yet, or too slow: unhealthy, and Docker's log of the check says so.
  console.error(`no answer from http://127.0.0.1:${port}/readyz`);
  process.exit(1);
}
