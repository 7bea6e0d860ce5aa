/**
 * Which proxy a URL goes through, read from the variables curl and pip
 * read: `https_proxy` / `HTTPS_PROXY` for https, `http_proxy` /
 * `HTTP_PROXY` for http, `all_proxy` / `ALL_PROXY` for either, and
 * `no_proxy` / `NO_PROXY` (host names, `.domain` suffixes, `host:port`,
 * `*`) to go direct. Node 20's own `fetch` reads none of them (its bundled
 * undici has no `EnvHttpProxyAgent` yet), so the downloader applies them
 * itself.
 *
 * @example
 * proxyFor(new URL('https://download.pytorch.org/models/x.pth'), { https_proxy: 'http://proxy:3128' })?.host; // 'proxy:3128'
 */
import { ConfigError } from '../../errors.js';

/** The variable names for a protocol, lower case first (curl ignores upper-case HTTP_PROXY; most other tools read both). */
const variables = (protocol: string): string[] => {
  const scheme = protocol.replace(/:$/, '');
  return [`${scheme}_proxy`, `${scheme.toUpperCase()}_PROXY`, 'all_proxy', 'ALL_PROXY'];
};

/** Whether `no_proxy` sends this host direct. */
function bypasses(url: URL, noProxy: string): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return noProxy
    .split(/[\s,]+/)
    .filter((entry) => entry !== '')
    .some((entry) => {
      if (entry === '*') return true;
      const match = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(entry.toLowerCase());
      const entryPort = match?.[2];
      if (entryPort !== undefined && entryPort !== port) return false;
      const domain = (match?.[1] ?? entry).replace(/^\*?\./, '');
      return host === domain || host.endsWith(`.${domain}`);
    });
}

/**
 * The proxy for `url` from `env`, or null to connect directly.
 *
 * @example
 * proxyFor(new URL('http://127.0.0.1:8080/f.pth'), { http_proxy: 'http://p:3128', no_proxy: '127.0.0.1' }); // null
 */
export function proxyFor(url: URL, env: NodeJS.ProcessEnv = process.env): URL | null {
  const name = variables(url.protocol).find((v) => (env[v] ?? '') !== '');
  if (name === undefined) return null;
  if (bypasses(url, env.no_proxy ?? env.NO_PROXY ?? '')) return null;
  const value = env[name]!;
  let proxy: URL;
  try {
    proxy = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`);
  } catch (error) {
    throw new ConfigError(`${name}: expected a proxy URL such as http://proxy:3128, but got '${value}'`, [], { cause: error });
  }
  if (proxy.protocol !== 'http:') {
    throw new ConfigError(`${name}: expected an http:// proxy (the download tunnels https through it with CONNECT), but got '${value}'`);
  }
  return proxy;
}
