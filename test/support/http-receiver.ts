// A small HTTP server on 127.0.0.1 that records every request it gets (an SMS
// gateway, an error collector) and answers what the test says.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { onCleanup } from '#test/support/cleanup';

export interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface Receiver {
  url: string;
  port: number;
  received: Received[];
  /** The answer to the next requests, in order (then `fallback`). */
  answers: Array<{ status: number; body: string }>;
  close(): Promise<void>;
}

export async function startReceiver(fallback = { status: 200, body: '{"status":"ok"}' }): Promise<Receiver> {
  const received: Received[] = [];
  const answers: Array<{ status: number; body: string }> = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
      const a = answers.shift() ?? fallback;
      res.writeHead(a.status, { 'content-type': 'application/json' }).end(a.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const r: Receiver = {
    url: `http://127.0.0.1:${port}`,
    port,
    received,
    answers,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  onCleanup(() => r.close());
  return r;
}
