import net from 'node:net';

/** A loopback port nobody listens on right now: bind port 0, read it, release it. (test/support/free-port.ts is the same for the suites.) */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}
