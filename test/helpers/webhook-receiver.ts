/**
 * A webhook receiver for the tests: a node http server on 127.0.0.1 that records every request (headers and
 * raw body) and answers with the status `answer(n, body, headers)` gives for its n-th request (1-based).
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  n: number;
  headers: IncomingHttpHeaders;
  body: string;
  status: number;
}

export interface Receiver {
  url: string;
  port: number;
  received: Received[];
  close(): Promise<void>;
}

export async function startReceiver(answer: (n: number, body: string, headers: IncomingHttpHeaders) => number = () => 200, port = 0): Promise<Receiver> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const status = answer(received.length + 1, body, req.headers);
      received.push({ n: received.length + 1, headers: req.headers, body, status });
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(status < 300 ? 'ok' : 'no');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const p = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${p}/hook`,
    port: p,
    received,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** A port nothing listens on (taken from the system, then freed). */
export async function freePort(): Promise<number> {
  const r = await startReceiver();
  const p = r.port;
  await r.close();
  return p;
}
