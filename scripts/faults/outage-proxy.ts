/**
 * A TCP forwarder in front of a server (the destination Postgres, the webhook receiver) that the
 * fault runner can take down: while down nothing listens on its port (connections are refused) and
 * every connection it carried is cut, which is what a crashed host or a network partition looks like
 * to the processes under test. Back up, it listens on the same port again.
 */
import net from 'node:net';

export interface OutageProxy {
  readonly port: number;
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startOutageProxy(target: { host: string; port: number }): Promise<OutageProxy> {
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  };
  let server: net.Server | undefined;
  let port = 0;
  const listen = async () => {
    const srv = net.createServer((client) => {
      const upstream = net.connect(target.port, target.host);
      track(client);
      track(upstream);
      client.pipe(upstream).pipe(client);
      const cut = () => {
        client.destroy();
        upstream.destroy();
      };
      client.once('error', cut);
      upstream.once('error', cut);
      client.once('close', cut);
      upstream.once('close', cut);
    });
    await new Promise<void>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(port, '127.0.0.1', () => resolve());
    });
    port = (srv.address() as net.AddressInfo).port;
    server = srv;
  };
  const stop = async () => {
    const srv = server;
    server = undefined;
    for (const s of sockets) s.destroy();
    if (srv) await new Promise((r) => srv.close(r));
  };
  await listen();
  return {
    get port() {
      return port;
    },
    down: stop,
    async up() {
      if (!server) await listen();
    },
    close: stop,
  };
}
