/**
 * One HTTP(S) GET with Node's own modules: through the proxy the
 * environment names (plain forwarding for http, a CONNECT tunnel for
 * https), following up to 5 redirects, with an idle timeout on the socket
 * (connecting included). Resolves with the response once its headers are in;
 * the caller reads the body.
 *
 * @example
 * const { response, url } = await httpGet(new URL('https://download.pytorch.org/models/resnet18-f37072fd.pth'), { timeoutMs: 30_000 });
 */
import http from 'node:http';
import type { IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import tls from 'node:tls';
import { proxyFor } from './proxy.js';

/** What `httpGet` needs besides the URL. */
export interface HttpGetOptions {
  /** A connection that is silent this long (connecting, waiting for headers or body) fails. */
  timeoutMs: number;
  headers?: Record<string, string>;
  /** Where the proxy variables are read (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Extra trusted certificates (PEM) for https: a mirror or a proxy with its own CA. */
  ca?: string | Buffer;
}

/** A transfer failure worth another try (network, timeout, 5xx), as opposed to a 404. */
export class TransientHttpError extends Error {}

const maxRedirects = 5;
const redirects = new Set([301, 302, 303, 307, 308]);

/** Basic credentials of a proxy URL (`http://user:pass@proxy:3128`). */
const proxyAuth = (proxy: URL): Record<string, string> =>
  proxy.username === ''
    ? {}
    : {
        'proxy-authorization': `Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}`,
      };

/** Opens a tunnel to `url`'s host through `proxy` (HTTP CONNECT). */
function tunnel(url: URL, proxy: URL, options: HttpGetOptions): Promise<Socket> {
  const port = url.port || '443';
  return new Promise((resolve, reject) => {
    const request = http.request({
      host: proxy.hostname,
      port: proxy.port || 80,
      method: 'CONNECT',
      path: `${url.hostname}:${port}`,
      headers: { host: `${url.hostname}:${port}`, ...proxyAuth(proxy) },
    });
    request.setTimeout(options.timeoutMs, () =>
      request.destroy(new TransientHttpError(`no answer from the proxy ${proxy.host} in ${options.timeoutMs} ms`)),
    );
    request.once('connect', (response, socket) => {
      request.setTimeout(0);
      if (response.statusCode === 200) return resolve(socket);
      socket.destroy();
      const status = response.statusCode ?? 0;
      const error = `the proxy ${proxy.host} refused to connect to ${url.host}: HTTP ${status}`;
      reject(status >= 500 ? new TransientHttpError(error) : new Error(error));
    });
    request.once('error', (error) =>
      reject(error instanceof TransientHttpError ? error : new TransientHttpError(`proxy ${proxy.host}: ${error.message}`)),
    );
    request.end();
  });
}

/** One request, no redirects. */
async function requestOnce(url: URL, options: HttpGetOptions): Promise<IncomingMessage> {
  const proxy = proxyFor(url, options.env);
  const secure = url.protocol === 'https:';
  const socket = proxy !== null && secure ? await tunnel(url, proxy, options) : null;
  const viaProxy = proxy !== null && !secure;
  const target = viaProxy ? proxy : url;
  return new Promise((resolve, reject) => {
    const request = (secure ? https : http).request({
      protocol: target.protocol,
      hostname: target.hostname,
      port: target.port || (secure ? 443 : 80),
      path: viaProxy ? url.href : url.pathname + url.search,
      headers: { host: url.host, 'user-agent': 'classifier-training', ...(viaProxy ? proxyAuth(proxy) : {}), ...options.headers },
      ...(options.ca === undefined ? {} : { ca: options.ca }),
      ...(socket === null ? {} : { createConnection: () => tls.connect({ socket, servername: url.hostname, ca: options.ca }) }),
    });
    let response: IncomingMessage | undefined;
    request.setTimeout(options.timeoutMs, () => {
      const error = new TransientHttpError(`no data for ${options.timeoutMs} ms`);
      // The body's reader sees this reason rather than a bare 'aborted'.
      response?.destroy(error);
      request.destroy(error);
    });
    request.once('response', (answer) => {
      response = answer;
      resolve(answer);
    });
    request.once('error', (error) => reject(error instanceof TransientHttpError ? error : new TransientHttpError(error.message)));
    request.end();
  });
}

/**
 * GETs `url`, following redirects; resolves with the final response (any status) and its URL.
 *
 * @example
 * const { response } = await httpGet(url, { timeoutMs: 30_000, headers: { range: 'bytes=100-' } });
 */
export async function httpGet(url: URL, options: HttpGetOptions): Promise<{ response: IncomingMessage; url: URL }> {
  let current = url;
  for (let hop = 0; ; hop++) {
    const response = await requestOnce(current, options);
    const location = response.headers.location;
    if (!redirects.has(response.statusCode ?? 0) || location === undefined) return { response, url: current };
    response.resume();
    if (hop === maxRedirects) throw new Error(`more than ${maxRedirects} redirects from ${url.href}`);
    current = new URL(location, current);
  }
}
