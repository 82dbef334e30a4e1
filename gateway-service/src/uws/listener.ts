import { X509Certificate } from 'node:crypto';
import { type LoadedTls, loadTlsFiles, type TlsFiles } from '@wirefleet/shared/tls';
import type { TemplatedApp, us_listen_socket } from 'uWebSockets.js';
import type { UwsModule } from './load-uws.js';

/** Registers what the gateway serves (the WebSocket endpoint, the HTTP routes) on the app's current router. */
export type Mount = (app: TemplatedApp) => void;

/**
 * The gateway's one uWS app and its port, and the reload of its TLS certificate.
 *
 * uWS 20.30 cannot swap the certificate of a listening app, and another listener cannot take
 * the port while connections accepted on it are open. What it can do is serve a certificate per
 * TLS server name (SNI). A reload therefore registers the new files under every DNS name of the
 * new certificate, each with the gateway's routes mounted on its own router (uWS routes per
 * server name): every client that connects by name — agents, browsers — gets the new
 * certificate, and open sockets keep theirs. A client that connects by IP address sends no
 * server name and gets the certificate the gateway started with, until it restarts.
 * uWS frees a name's router when the name is removed at the next reload, so every plain HTTP
 * answer of the gateway closes its connection (http-routes.ts, upgrade-handler.ts): no
 * keep-alive connection is left to route a request through a freed router.
 */
export class GatewayListener {
  readonly app: TemplatedApp;
  private socket: us_listen_socket | undefined;
  private serverNames: string[] = [];
  private readonly certificate: LoadedTls['summary'] | undefined;
  private mount: Mount | undefined;

  /** With `tls`, the app is an SSLApp serving those files. */
  constructor(
    private readonly uws: UwsModule,
    private readonly tls: TlsFiles | undefined,
  ) {
    // Read first: a bad file is a clear StartupError, not uWS's "App construction failed".
    this.certificate = tls ? loadTlsFiles(tls).summary : undefined;
    this.app = tls ? uws.SSLApp({ cert_file_name: tls.certFile, key_file_name: tls.keyFile }) : uws.App();
  }

  /** Mounts the gateway's routes; again under each server name a TLS reload adds. */
  serve(mount: Mount): void {
    this.mount = mount;
    mount(this.app);
  }

  /** Opens the port (exclusively); resolves with the port bound (useful with port 0). */
  async listen(
    host: string,
    port: number,
  ): Promise<{ port: number; certificate: LoadedTls['summary'] | undefined }> {
    this.socket = await listenOn(this.app, host, port);
    const bound = this.uws.us_socket_local_port(
      this.socket as unknown as Parameters<UwsModule['us_socket_local_port']>[0],
    );
    return { port: bound, certificate: this.certificate };
  }

  /**
   * Serves the certificate and key on disk now to new connections that name the gateway (see
   * above). Throws, still serving the previous ones, when the files are unusable.
   */
  reloadTls(): LoadedTls['summary'] {
    const { tls, mount } = this;
    if (!tls || !mount) throw new Error('the gateway does not serve TLS');
    const fresh = loadTlsFiles(tls);
    const names = dnsNames(fresh.cert);
    if (names.length === 0)
      throw new Error(
        `${tls.certFile} names no DNS host (subjectAltName DNS:…): clients could not select it`,
      );
    for (const name of this.serverNames) this.app.removeServerName(name);
    for (const name of names) {
      this.app.addServerName(name, { cert_file_name: tls.certFile, key_file_name: tls.keyFile });
      this.app.domain(name);
      mount(this.app);
    }
    this.serverNames = names;
    return fresh.summary;
  }

  /** Stops accepting connections; open ones stay. */
  stopListening(): void {
    if (this.socket) this.uws.us_listen_socket_close(this.socket);
    this.socket = undefined;
  }
}

/** The DNS names (wildcards included, as uWS matches them) a certificate is valid for. */
export function dnsNames(pem: Buffer): string[] {
  const san = new X509Certificate(pem).subjectAltName ?? '';
  const names = san
    .split(', ')
    .filter((entry) => entry.startsWith('DNS:'))
    .map((entry) => entry.slice(4).toLowerCase());
  return [...new Set(names)];
}

/**
 * Listens exclusively (ListenOptions.LIBUS_LISTEN_EXCLUSIVE_PORT, 1): without it uWS sets
 * SO_REUSEPORT, and a second gateway on a taken port "succeeds" and silently shares the port
 * with the first. The typings lack the (host, port, options, cb) form uWS accepts.
 */
function listenOn(app: TemplatedApp, host: string, port: number): Promise<us_listen_socket> {
  const exclusivePort = 1;
  const listenWithOptions = app.listen as unknown as (
    host: string,
    port: number,
    options: number,
    cb: (socket: us_listen_socket | false) => void,
  ) => TemplatedApp;
  return new Promise((resolve, reject) => {
    listenWithOptions.call(app, host, port, exclusivePort, (socket) =>
      socket ? resolve(socket) : reject(new Error(`gateway could not listen on ${host}:${port}`)),
    );
  });
}
