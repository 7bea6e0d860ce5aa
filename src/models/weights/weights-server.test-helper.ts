/**
 * A weights server on 127.0.0.1 for the download tests: each path has a
 * behaviour (the file, a wrong file, a drop halfway, Range ignored, a stall,
 * a redirect), every request is recorded, and a forward / CONNECT proxy maps
 * a made-up host name onto it, so a test can tell that the proxy was used.
 *
 * @example
 * const server = await weightsServer(bytes);
 * await downloadFile({ url: `${server.url}/good/x.pth`, ... });
 */
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';

/** A served file and its name as torchvision would give it. */
export function weightsBytes(size = 300_000, arch = 'tiny'): { bytes: Buffer; sha256: string; file: string } {
  const bytes = randomBytes(size);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return { bytes, sha256, file: `${arch}-${sha256.slice(0, 8)}.pth` };
}

/** One request as the server saw it. */
export interface SeenRequest {
  path: string;
  range: string | undefined;
  /** Whether it came through the test proxy. */
  proxied: boolean;
}

/** A running server; `close` stops it and its proxy. */
export interface WeightsServer {
  url: string;
  /** A forward + CONNECT proxy that sends the host `weights.test` to this server. */
  proxyUrl: string;
  requests: SeenRequest[];
  /** The raw request lines the proxy saw (`GET http://...`, `CONNECT host:port`). */
  proxyLog: string[];
  close(): Promise<void>;
}

const listen = async (server: net.Server): Promise<number> => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
};

/** Serves `bytes` from `start` with the right headers. */
function sendFrom(res: ServerResponse, bytes: Buffer, start: number, partial: boolean): void {
  res.writeHead(partial ? 206 : 200, {
    'content-length': bytes.length - start,
    ...(partial ? { 'content-range': `bytes ${start}-${bytes.length - 1}/${bytes.length}` } : {}),
  });
  res.end(bytes.subarray(start));
}

/** Sends headers for the whole file and half the body, then drops the connection. */
function dropHalfway(res: ServerResponse, bytes: Buffer): void {
  res.writeHead(200, { 'content-length': bytes.length });
  res.write(bytes.subarray(0, bytes.length >> 1), () => res.socket?.end());
}

/** The behaviours, by first path segment. */
export function handler(bytes: Buffer, seen: Map<string, number>) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const [, kind] = (req.url ?? '').split('/');
    // Counted per path: each test fetches a path of its own.
    const count = (seen.get(req.url ?? '') ?? 0) + 1;
    seen.set(req.url ?? '', count);
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = range === null ? 0 : Number(range[1]);
    if (kind === 'good' || kind === 'models') return sendFrom(res, bytes, start, range !== null);
    if (kind === 'wrong') return sendFrom(res, Buffer.from(bytes).fill(7), 0, false);
    if (kind === 'redirect') {
      res.writeHead(302, { location: `/good/${req.url!.split('/').slice(2).join('/')}` });
      return void res.end();
    }
    if (kind === 'drop') return count === 1 ? dropHalfway(res, bytes) : sendFrom(res, bytes, start, range !== null);
    if (kind === 'norange') return count === 1 ? dropHalfway(res, bytes) : sendFrom(res, bytes, 0, false);
    if (kind === 'slow') return void res.writeHead(200, { 'content-length': bytes.length }).write(bytes.subarray(0, 1000));
    res.writeHead(404).end('not found');
  };
}

/** A proxy on 127.0.0.1: `weights.test` (any port) is the weights server; `tls.test` is `tlsPort`. */
function proxyServer(port: number, log: string[], tlsPort: () => number | undefined): { proxy: http.Server; tunnels: Set<net.Socket> } {
  const tunnels = new Set<net.Socket>();
  const proxy = http.createServer((req, res) => {
    log.push(`${req.method} ${req.url}`);
    const url = new URL(req.url ?? '');
    if (url.hostname !== 'weights.test') return void res.writeHead(502).end();
    const upstream = http.request(
      { host: '127.0.0.1', port, path: url.pathname, headers: { ...req.headers, 'x-proxied': '1' } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  proxy.on('connect', (req: IncomingMessage, socket: net.Socket, head: Buffer) => {
    log.push(`CONNECT ${req.url}`);
    // A tunnel leaves the HTTP server's books: closing must end it by hand.
    tunnels.add(socket);
    socket.on('close', () => tunnels.delete(socket));
    const to = req.url?.startsWith('tls.test:') ? tlsPort() : undefined;
    if (to === undefined) return void socket.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
    const upstream = net.connect(to, '127.0.0.1', () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(socket).pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  return { proxy, tunnels };
}

/**
 * Starts the server (and its proxy) on free ports of 127.0.0.1.
 *
 * @example
 * const server = await weightsServer(bytes, { tlsPort: () => httpsPort });
 */
export async function weightsServer(bytes: Buffer, options: { tlsPort?: () => number | undefined } = {}): Promise<WeightsServer> {
  const requests: SeenRequest[] = [];
  const proxyLog: string[] = [];
  const serve = handler(bytes, new Map());
  const server = http.createServer((req, res) => {
    requests.push({ path: req.url ?? '', range: req.headers.range, proxied: req.headers['x-proxied'] === '1' });
    serve(req, res);
  });
  const port = await listen(server);
  const { proxy, tunnels } = proxyServer(port, proxyLog, options.tlsPort ?? (() => undefined));
  const proxyPort = await listen(proxy);
  const stop = (s: http.Server): Promise<void> =>
    new Promise((resolve) => {
      s.closeAllConnections();
      s.close(() => resolve());
    });
  return {
    url: `http://127.0.0.1:${port}`,
    proxyUrl: `http://127.0.0.1:${proxyPort}`,
    requests,
    proxyLog,
    close: async () => {
      for (const socket of tunnels) socket.destroy();
      await Promise.all([stop(server), stop(proxy)]);
    },
  };
}
