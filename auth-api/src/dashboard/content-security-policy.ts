import type { HelmetOptions } from 'helmet';

/**
 * The origin a browser must be allowed to open WebSockets to: `ws://127.0.0.1:9000/ws` becomes
 * `ws://127.0.0.1:9000` (CSP source expressions match scheme, host and port).
 */
export function gatewayConnectSource(gatewayPublicUrl: string): string {
  const url = new URL(gatewayPublicUrl);
  return `${url.protocol}//${url.host}`;
}

/**
 * Helmet's defaults (scripts from this origin only, never inline; no plugins; no framing) plus
 * what the dashboard adds: WebSockets to the gateway, which listens on another origin, and
 * `data:`/`blob:` images (the QR code). Styles keep helmet's default, which allows inline
 * `style` attributes: the chart library sizes its canvas through them, and styles cannot run
 * code. `upgrade-insecure-requests` stays only on an https deployment: on plain http (a local
 * `npm start`) it would turn the gateway's ws:// into a wss:// nobody answers.
 */
export function helmetOptions(options: { publicUrl: string; gatewayPublicUrl: string }): HelmetOptions {
  const https = new URL(options.publicUrl).protocol === 'https:';
  return {
    contentSecurityPolicy: {
      directives: {
        'connect-src': ["'self'", gatewayConnectSource(options.gatewayPublicUrl)],
        'img-src': ["'self'", 'data:', 'blob:'],
        'upgrade-insecure-requests': https ? [] : null,
      },
    },
  };
}
