// An HTTP server that stops gracefully: it stops accepting, lets requests in
// flight finish (up to a deadline), then closes idle keep-alive sockets.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';

export interface RunningServer {
  server: http.Server;
  port: number;
  url: string;
  close(deadlineMs?: number): Promise<void>;
}

export function listen(app: Express, host: string, port: number): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server = http.createServer(app);
    server.keepAliveTimeout = 65_000; // longer than nginx's upstream keepalive
    server.headersTimeout = 66_000;
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(err.code === 'EADDRINUSE' ? new Error(`port ${port} on ${host} is already in use (set -p PORT or PORT=…)`) : err);
    });
    server.listen(port, host, () => {
      const actual = (server.address() as AddressInfo).port;
      const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
      resolve({
        server,
        port: actual,
        url: `http://${shown.includes(':') ? `[${shown}]` : shown}:${actual}`,
        close(deadlineMs = 10_000) {
          return new Promise((done) => {
            const timer = setTimeout(() => server.closeAllConnections(), deadlineMs);
            timer.unref();
            server.close(() => {
              clearTimeout(timer);
              done();
            });
            server.closeIdleConnections();
          });
        },
      });
    });
  });
}
