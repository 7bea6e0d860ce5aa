import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError, SerializationError } from '../../errors.js';
import { registerPretrainedWeights, resolvePretrained, weightsEntry } from '../pretrained-weights.js';
import { fetchPretrained } from './fetch-pretrained.js';
import { weightsBytes, weightsServer } from './weights-server.test-helper.js';
import { torchHubCheckpoints, weightsSearchDirs, weightsUrl } from './weights-lookup.js';

const { bytes, file } = weightsBytes(50_000, 'lookup_net');
const id = 'lookup_net.test_v1';
registerPretrainedWeights({ [id]: weightsEntry('lookup_net', file, { resizeSize: 232 }) });

void test('the look-up order: weightsDir, then $TORCH_HOME/hub/checkpoints (as torch.hub), then the project folder', () => {
  assert.equal(torchHubCheckpoints({ TORCH_HOME: '/t' }), '/t/hub/checkpoints');
  assert.equal(torchHubCheckpoints({ XDG_CACHE_HOME: '/x' }), '/x/torch/hub/checkpoints');
  assert.equal(torchHubCheckpoints({}), join(homedir(), '.cache', 'torch', 'hub', 'checkpoints'));
  assert.deepEqual(weightsSearchDirs({ weightsDir: 'w', env: { TORCH_HOME: '/t' } }), [
    resolve('w'),
    '/t/hub/checkpoints',
    join(homedir(), '.cache', 'classifier-training', 'weights'),
  ]);
  assert.equal(weightsUrl(file, {}), `https://download.pytorch.org/models/${file}`);
  assert.equal(weightsUrl(file, { CLASSIFIER_TRAINING_WEIGHTS_URL: 'http://mirror/m' }), `http://mirror/m/${file}`);
});

void test('a CLASSIFIER_TRAINING_WEIGHTS_URL that is not an http(s) URL is a ConfigError naming the variable and its value', () => {
  for (const base of ['ftp://mirror/models/', '/srv/mirror', 'file:///srv/mirror/']) {
    assert.throws(
      () => weightsUrl(file, { CLASSIFIER_TRAINING_WEIGHTS_URL: base }),
      (e: Error) =>
        e instanceof ConfigError &&
        e.message ===
          `CLASSIFIER_TRAINING_WEIGHTS_URL: expected an http:// or https:// URL of a folder of weights files, but got '${base}'`,
    );
  }
});

void test('fetchPretrained finds weightsDir first, then TORCH_HOME, and downloads into TORCH_HOME only when both lack the file', async () => {
  const server = await weightsServer(bytes);
  const root = mkdtempSync(join(tmpdir(), 'lookup-'));
  const weightsDir = join(root, 'weights');
  const env = { TORCH_HOME: join(root, 'torch'), CLASSIFIER_TRAINING_WEIGHTS_URL: `${server.url}/models/` };
  const hub = join(root, 'torch', 'hub', 'checkpoints');
  const options = { weightsDir, env, progress: null, backoffMs: 1 };
  try {
    assert.throws(
      () => resolvePretrained(id, { weightsDir, env }),
      (e: Error) =>
        e instanceof SerializationError &&
        e.message.includes(`weights download ${id}`) &&
        e.message.includes(`curl -L -o ${join(hub, file)} ${server.url}/models/${file}`),
    );
    assert.deepEqual(await fetchPretrained(id, options), { path: join(hub, file), downloaded: true });
    assert.deepEqual(readFileSync(join(hub, file)), bytes);
    assert.deepEqual(
      server.requests.map((r) => r.path),
      [`/models/${file}`],
    );

    mkdirSync(weightsDir);
    writeFileSync(join(weightsDir, file), bytes);
    assert.deepEqual(await fetchPretrained(id, options), { path: join(weightsDir, file), downloaded: false });
    assert.equal(resolvePretrained(id, { weightsDir, env }), join(weightsDir, file));
    rmSync(join(weightsDir, file));
    assert.deepEqual(await fetchPretrained(id, options), { path: join(hub, file), downloaded: false });
    assert.equal(server.requests.length, 1, 'found files are not downloaded again');

    // A corrupt copy found in a folder is refused, not silently replaced.
    writeFileSync(join(weightsDir, file), 'not the weights');
    await assert.rejects(fetchPretrained(id, options), /sha256 .*, but got [0-9a-f]{64}; .*delete it and download it again/);
  } finally {
    await server.close();
    rmSync(root, { recursive: true, force: true });
  }
});

void test('offline: the message names the URL, the reason and where to put the file by hand; nothing is left behind', async () => {
  const server = await weightsServer(bytes);
  await server.close();
  const root = mkdtempSync(join(tmpdir(), 'offline-'));
  const env = { TORCH_HOME: join(root, 'torch'), CLASSIFIER_TRAINING_WEIGHTS_URL: `${server.url}/models/` };
  const hub = join(root, 'torch', 'hub', 'checkpoints');
  try {
    await assert.rejects(
      fetchPretrained(id, { env, progress: null, retries: 1, backoffMs: 1 }),
      (e: Error) =>
        e instanceof SerializationError &&
        e.message.startsWith(`download: expected ${server.url}/models/${file}, but got `) &&
        /ECONNREFUSED/.test(e.message) &&
        e.message.includes(`Put the file there by hand: mkdir -p ${hub} && curl -L -o ${join(hub, file)} ${server.url}/models/${file}`),
    );
    assert.deepEqual(readdirSync(hub), []);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

void test("a mirror serving another file: the message points at torchvision's URL, not at the mirror again", async () => {
  const server = await weightsServer(Buffer.alloc(1_000, 7));
  const root = mkdtempSync(join(tmpdir(), 'wrong-file-'));
  const env = { TORCH_HOME: join(root, 'torch'), CLASSIFIER_TRAINING_WEIGHTS_URL: `${server.url}/models/` };
  const hub = join(root, 'torch', 'hub', 'checkpoints');
  try {
    await assert.rejects(
      fetchPretrained(id, { env, progress: null, retries: 0, backoffMs: 1 }),
      (e: Error) =>
        e instanceof SerializationError &&
        e.message.startsWith(`download: expected ${server.url}/models/${file} to have sha256 `) &&
        !e.message.includes('Offline?') &&
        e.message.includes(
          `Put torchvision's file there by hand: mkdir -p ${hub} && curl -L -o ${join(hub, file)} https://download.pytorch.org/models/${file}`,
        ),
    );
    assert.deepEqual(readdirSync(hub), []);
  } finally {
    await server.close();
    rmSync(root, { recursive: true, force: true });
  }
});
