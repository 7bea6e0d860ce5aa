import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerializationError } from '../../errors.js';
import { downloadFile } from './download.js';
import type { DownloadOptions } from './download.js';
import { handler, weightsBytes, weightsServer } from './weights-server.test-helper.js';

const { bytes, sha256, file } = weightsBytes(2_000_000);
const noProxy: NodeJS.ProcessEnv = {};

async function withServer(
  run: (ctx: {
    server: Awaited<ReturnType<typeof weightsServer>>;
    dir: string;
    fetch: (path: string, o?: Partial<DownloadOptions>) => Promise<string>;
  }) => Promise<void>,
): Promise<void> {
  const server = await weightsServer(bytes);
  const dir = mkdtempSync(join(tmpdir(), 'download-'));
  const fetch = (path: string, o: Partial<DownloadOptions> = {}): Promise<string> =>
    downloadFile({
      url: `${server.url}${path}`,
      target: join(dir, file),
      sha256Prefix: sha256.slice(0, 8),
      env: noProxy,
      progress: null,
      backoffMs: 5,
      ...o,
    });
  try {
    await run({ server, dir, fetch });
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const onlyTarget = (dir: string): void => assert.deepEqual(readdirSync(dir), [file], 'the target and no partial file');

void test('a good file lands atomically, verified, with a line of progress per tenth when stderr is not a terminal', async () => {
  await withServer(async ({ dir, fetch }) => {
    const lines: string[] = [];
    assert.equal(await fetch(`/good/${file}`, { sha256, progress: { write: (t: string) => lines.push(t) } }), join(dir, file));
    assert.deepEqual(readFileSync(join(dir, file)), bytes);
    onlyTarget(dir);
    assert.deepEqual(
      lines.map((l) => Number(/: (\d+)% /.exec(l)?.[1])),
      [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100],
      lines.join(''),
    );
    assert.match(lines.at(-1)!, /100% \(1\.9 MiB of 1\.9 MiB, [\d.]+ MiB\/s\)\n$/);
    const tty: string[] = [];
    rmSync(join(dir, file));
    await fetch(`/good/${file}?tty`, { progress: { write: (t: string) => tty.push(t), isTTY: true, columns: 100 } });
    assert.match(tty.join(''), /\r.*\[#{10,}\] 100%.*\n$/s);
  });
});

void test('a wrong hash deletes the file and names the URL, the expected and the actual hash', async () => {
  await withServer(async ({ dir, server, fetch }) => {
    const wrong = sha256ForWrong();
    await assert.rejects(
      fetch(`/wrong/${file}`),
      (e: Error) =>
        e instanceof SerializationError &&
        e.message.includes(`${server.url}/wrong/${file}`) &&
        e.message.includes(`sha256 ${sha256.slice(0, 8)}...`) &&
        e.message.includes(`but got ${wrong}`) &&
        /deleted/.test(e.message),
    );
    assert.deepEqual(readdirSync(dir), []);
  });
});

/** The sha256 of what /wrong serves. */
function sha256ForWrong(): string {
  return createHash('sha256').update(Buffer.from(bytes).fill(7)).digest('hex');
}

void test('a 404 is refused at once (no retry) and leaves no partial file', async () => {
  await withServer(async ({ dir, server, fetch }) => {
    await assert.rejects(fetch(`/missing/${file}`), new RegExp(`expected ${server.url}/missing/${file}, but got HTTP 404`));
    assert.equal(server.requests.length, 1);
    assert.deepEqual(readdirSync(dir), []);
  });
});

void test('a connection dropped halfway is resumed with a Range request', async () => {
  await withServer(async ({ dir, server, fetch }) => {
    const lines: string[] = [];
    await fetch(`/drop/${file}`, { progress: { write: (t: string) => lines.push(t) } });
    assert.deepEqual(readFileSync(join(dir, file)), bytes);
    // The second request asks for the rest of what reached the file (the stream may drop its last buffered chunk).
    assert.equal(server.requests.length, 2);
    assert.equal(server.requests[0].range, undefined);
    const from = Number(/^bytes=(\d+)-$/.exec(server.requests[1].range ?? '')?.[1]);
    assert.ok(from > 0 && from <= bytes.length >> 1, String(server.requests[1].range));
    assert.match(lines.join(''), new RegExp(`connection (broke|closed) after ${from} .*trying again in 5 ms`));
    onlyTarget(dir);
  });
});

void test('a server that ignores Range sends the whole file again, which replaces the partial one', async () => {
  await withServer(async ({ dir, server, fetch }) => {
    await fetch(`/norange/${file}`);
    assert.deepEqual(readFileSync(join(dir, file)), bytes);
    assert.match(server.requests[1].range ?? '', /^bytes=[1-9]\d*-$/);
    onlyTarget(dir);
  });
});

void test('a silent server hits the idle timeout, is retried with backoff, then fails naming the URL', async () => {
  await withServer(async ({ dir, server, fetch }) => {
    const started = Date.now();
    await assert.rejects(
      fetch(`/slow/${file}`, { timeoutMs: 150, retries: 2, backoffMs: 20 }),
      (e: Error) =>
        e instanceof SerializationError &&
        e.message.includes(`${server.url}/slow/${file}`) &&
        /no data for 150 ms.*after 3 tries/.test(e.message),
    );
    assert.equal(server.requests.length, 3);
    assert.ok(Date.now() - started >= 3 * 150 + 20 + 40);
    // Each try got the first 1000 bytes, so the later ones asked to resume; what was received stays for the next download.
    assert.equal(server.requests[1].range, 'bytes=1000-');
    assert.equal(readdirSync(dir).filter((n) => n.endsWith('.partial')).length, 1);
  });
});

void test('redirects are followed', async () => {
  await withServer(async ({ dir, server, fetch }) => {
    await fetch(`/redirect/${file}`);
    assert.deepEqual(readFileSync(join(dir, file)), bytes);
    assert.deepEqual(
      server.requests.map((r) => r.path),
      [`/redirect/${file}`, `/good/${file}`],
    );
  });
});

void test('an unreachable host fails after the retries with the reason', async () => {
  await withServer(async ({ dir, server, fetch }) => {
    await server.close();
    await assert.rejects(fetch(`/good/${file}`, { retries: 1 }), /ECONNREFUSED.*after 2 tries/);
    assert.deepEqual(readdirSync(dir), []);
  });
});

void test('a partial file of a dead process is resumed; two downloads of one file at once both end with the whole file', async () => {
  await withServer(async ({ dir, server, fetch }) => {
    const dead = spawnSync(process.execPath, ['-e', 'process.pid']).pid;
    writeFileSync(join(dir, `${file}.${dead}-0000.partial`), bytes.subarray(0, 1234));
    await fetch(`/good/${file}`);
    assert.equal(server.requests[0].range, 'bytes=1234-');
    assert.deepEqual(readFileSync(join(dir, file)), bytes);
    rmSync(join(dir, file));
    await Promise.all([fetch(`/good/${file}?a`), fetch(`/good/${file}?b`), fetch(`/good/${file}?c`)]);
    assert.deepEqual(readFileSync(join(dir, file)), bytes);
    onlyTarget(dir);
  });
});

void test('http goes through http_proxy (forwarded), no_proxy bypasses it', async () => {
  await withServer(async ({ dir, server, fetch }) => {
    const port = new URL(server.url).port;
    await fetch(`/good/${file}`, { url: `http://weights.test:${port}/good/${file}`, env: { http_proxy: server.proxyUrl } });
    assert.deepEqual(readFileSync(join(dir, file)), bytes);
    assert.deepEqual(server.proxyLog, [`GET http://weights.test:${port}/good/${file}`]);
    assert.equal(server.requests[0].proxied, true);
    rmSync(join(dir, file));
    await fetch(`/good/${file}`, { env: { HTTP_PROXY: server.proxyUrl, NO_PROXY: 'localhost,127.0.0.1' } });
    assert.equal(server.proxyLog.length, 1);
    assert.equal(server.requests[1].proxied, false);
  });
});

void test(
  'https goes through HTTPS_PROXY with a CONNECT tunnel',
  { skip: hasOpenssl() ? false : 'no openssl to make a certificate' },
  async () => {
    const certs = mkdtempSync(join(tmpdir(), 'tls-'));
    const made = spawnSync('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=tls.test',
      '-addext',
      'subjectAltName=DNS:tls.test',
      '-keyout',
      join(certs, 'key.pem'),
      '-out',
      join(certs, 'cert.pem'),
    ]);
    assert.equal(made.status, 0, made.stderr.toString());
    const cert = readFileSync(join(certs, 'cert.pem'));
    const secure = https.createServer({ key: readFileSync(join(certs, 'key.pem')), cert }, handler(bytes, new Map()));
    await new Promise<void>((resolve) => secure.listen(0, '127.0.0.1', resolve));
    const tlsPort = (secure.address() as AddressInfo).port;
    const server = await weightsServer(bytes, { tlsPort: () => tlsPort });
    const dir = mkdtempSync(join(tmpdir(), 'download-'));
    try {
      const options = { target: join(dir, file), sha256Prefix: sha256.slice(0, 8), progress: null, ca: cert, retries: 0 };
      await downloadFile({ ...options, url: `https://tls.test/good/${file}`, env: { HTTPS_PROXY: server.proxyUrl } });
      assert.deepEqual(readFileSync(join(dir, file)), bytes);
      assert.deepEqual(server.proxyLog, ['CONNECT tls.test:443']);
      await assert.rejects(
        downloadFile({ ...options, url: `https://other.test/good/${file}`, env: { https_proxy: server.proxyUrl } }),
        /proxy 127\.0\.0\.1:\d+ refused to connect to other\.test: HTTP 502/,
      );
    } finally {
      secure.closeAllConnections();
      secure.close();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
      rmSync(certs, { recursive: true, force: true });
    }
  },
);

function hasOpenssl(): boolean {
  return spawnSync('openssl', ['version']).status === 0;
}

void test('the target folder is created; one that cannot be is named with the reason', async () => {
  await withServer(async ({ dir, fetch }) => {
    writeFileSync(join(dir, 'a-file'), '');
    await assert.rejects(
      fetch(`/good/${file}`, { target: join(dir, 'a-file', 'sub', file) }),
      /expected to create .*a-file\/sub, but got ENOTDIR/,
    );
    await fetch(`/good/${file}`, { target: join(dir, 'new', 'deeper', file) });
    assert.ok(existsSync(join(dir, 'new', 'deeper', file)));
  });
});
