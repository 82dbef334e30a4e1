import net from 'node:net';

/** A loopback TCP proxy in front of several instances of one service, for failover tests. */
export interface FailoverProxy {
  port: number;
  /** Connections currently piped, by upstream port. */
  connections(): Map<number, number>;
  close(): Promise<void>;
}

export interface FailoverProxyOptions {
  /** Ports of the instances on 127.0.0.1, in order of preference. */
  upstreams: number[];
  /**
   * false: every connection tries the upstreams in the listed order (the first that accepts
   * wins). true: each new connection starts one further along the list, so connections spread
   * over the instances and killing any one of them matters; the next that accepts still wins.
   */
  rotate?: boolean;
  /** How long one upstream gets to accept before the next is tried (default 1,000 ms). */
  connectTimeoutMs?: number;
}

/** Resolves with a connected socket to 127.0.0.1:port, or undefined when it refuses or times out. */
function dial(port: number, timeoutMs: number): Promise<net.Socket | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const fail = () => {
      socket.destroy();
      resolve(undefined);
    };
    const timer = setTimeout(fail, timeoutMs);
    socket.once('error', () => {
      clearTimeout(timer);
      fail();
    });
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
  });
}

/**
 * Forwards each new connection to the first upstream that accepts it and pipes bytes both ways
 * until either side closes; an established connection never moves (like a TCP load balancer,
 * a client sees its instance die as a dropped connection and reconnects through the proxy).
 */
export async function startFailoverProxy(options: FailoverProxyOptions): Promise<FailoverProxy> {
  const timeoutMs = options.connectTimeoutMs ?? 1_000;
  const open = new Set<net.Socket>();
  const perUpstream = new Map<number, number>();
  let next = 0;

  const forward = async (client: net.Socket) => {
    open.add(client);
    client.once('close', () => open.delete(client));
    client.on('error', () => client.destroy());
    const start = options.rotate ? next++ % options.upstreams.length : 0;
    const order = options.upstreams.map((_, i) => options.upstreams[(start + i) % options.upstreams.length]!);
    for (const port of order) {
      if (client.destroyed) return;
      const upstream = await dial(port, timeoutMs);
      if (!upstream) continue;
      if (client.destroyed) return void upstream.destroy();
      pipe(client, upstream, port);
      return;
    }
    client.destroy();
  };

  const pipe = (client: net.Socket, upstream: net.Socket, port: number) => {
    open.add(upstream);
    perUpstream.set(port, (perUpstream.get(port) ?? 0) + 1);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    upstream.once('close', () => {
      open.delete(upstream);
      perUpstream.set(port, (perUpstream.get(port) ?? 1) - 1);
      end();
    });
    upstream.on('error', end);
    client.once('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
    client.resume();
  };

  const server = net.createServer({ pauseOnConnect: true }, (client) => void forward(client));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    connections: () => new Map(perUpstream),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
