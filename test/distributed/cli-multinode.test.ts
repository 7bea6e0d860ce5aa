/**
 * `classifier-training train trainer.strategy=ddp` driven the way cluster
 * launchers drive it, on localhost: two "nodes" (two launchers of the same
 * command, NODE_RANK 0 and 1, one device each), and an outside launcher that
 * starts every rank itself (WORLD_SIZE, RANK, LOCAL_RANK set, nothing spawned
 * by us). Both train the same weights, bit for bit, as one node with
 * `devices=2` (same config and seed, same world size and ranks: the same
 * shards, the same Gloo sums); only node 0 / rank 0 writes the run dir and
 * prints the result. A wrong variable exits 2 naming it, before any run dir,
 * worker or process group exists.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { readCheckpoint } from '../../src/training/checkpoint/checkpoint-io.js';
import { disposeCheckpoint } from '../../src/training/checkpoint/checkpoint-connector.js';
import { RUN_DIR_ENV } from '../../src/training/strategies/ddp-env.js';
import { freePort } from '../../src/training/strategies/launcher.js';
import { makeColourFolder } from '../integration/trainer-fixtures.js';

const bin = new URL('../../bin/classifier-training.js', import.meta.url).pathname;
const userConf = new URL('../integration/cli-user-conf', import.meta.url).pathname;
const plugin = new URL('../integration/cli-plugin.ts', import.meta.url).pathname;

interface Exit {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The environment of a process a user starts: none of a distributed run's variables. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of ['WORLD_SIZE', 'RANK', 'LOCAL_RANK', 'LOCAL_WORLD_SIZE', 'NODE_RANK', 'MASTER_ADDR', 'MASTER_PORT', RUN_DIR_ENV])
    delete env[name];
  return { ...env, ...extra };
}

function train(root: string, runDir: string, overrides: string[], env: Record<string, string> = {}): Promise<Exit> {
  const args = [bin, 'train', '--config-dir', userConf, '--config-name', 'tiny', '--plugin', plugin, `data.root=${root}`];
  args.push(`run.dir=${runDir}`, 'trainer.strategy=ddp', '+trainer.distributedTimeout=30000', ...overrides);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { env: cleanEnv(env), timeout: 120_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** The model's tensors of a checkpoint, as raw bytes per name. */
function weights(runDir: string): Map<string, Buffer> {
  const checkpoint = readCheckpoint(path.join(runDir, 'checkpoints', 'last.ckpt'));
  try {
    const out = new Map<string, Buffer>();
    for (const [name, tensor] of Object.entries(checkpoint.model)) {
      const data = tensor.data();
      out.set(name, Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    }
    return out;
  } finally {
    disposeCheckpoint(checkpoint);
  }
}

function assertSameWeights(actual: Map<string, Buffer>, expected: Map<string, Buffer>, what: string): void {
  assert.deepEqual([...actual.keys()], [...expected.keys()]);
  for (const [name, bytes] of expected) assert.ok(bytes.equals(actual.get(name)!), `${what}: ${name} differs from the devices=2 run`);
}

/** What node 0 / rank 0 alone writes and prints. */
function assertReported(exit: Exit, runDir: string): void {
  assert.equal((JSON.parse(exit.stdout) as { runDir: string }).runDir, runDir);
  for (const file of ['.config/config.yaml', 'checkpoints/last.ckpt', 'metrics.csv', 'test_metrics.json'])
    assert.ok(existsSync(path.join(runDir, file)), `${file} in ${runDir}`);
  assert.equal(readdirSync(runDir).filter((n) => n.startsWith('events.out')).length, 1, 'one event file');
}

void test('ddp across nodes and under an outside launcher trains the devices=2 weights; only rank 0 writes', async (t) => {
  const root = await makeColourFolder(6);
  t.after(() => rm(root, { recursive: true, force: true }));
  const at = (name: string) => path.join(root, name);

  const single = await train(root, at('single'), ['trainer.devices=2']);
  assert.equal(single.status, 0, single.stderr);
  assertReported(single, at('single'));
  const expected = weights(at('single'));

  // Two nodes of one device each: node 1's launcher writes and prints nothing.
  const nodeEnv = { MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(await freePort()) };
  const nodes = await Promise.all(
    [0, 1].map((n) => train(root, at(`node${n}`), ['trainer.devices=1', 'trainer.numNodes=2'], { ...nodeEnv, NODE_RANK: String(n) })),
  );
  nodes.forEach((exit, n) => assert.equal(exit.status, 0, `node ${n}: ${exit.stderr}`));
  assertReported(nodes[0], at('node0'));
  assert.equal(nodes[1].stdout, '');
  assert.equal(existsSync(at('node1')), false, "node 1's run dir is never created");
  assertSameWeights(weights(at('node0')), expected, 'numNodes=2');

  // An outside launcher (torchrun --nproc-per-node 2) started both ranks: no process of ours spawns any.
  const rankEnv = { MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(await freePort()), WORLD_SIZE: '2', LOCAL_WORLD_SIZE: '2' };
  const ranks = await Promise.all(
    [0, 1].map((r) => train(root, at(`rank${r}`), ['trainer.devices=2'], { ...rankEnv, RANK: String(r), LOCAL_RANK: String(r) })),
  );
  ranks.forEach((exit, r) => assert.equal(exit.status, 0, `rank ${r}: ${exit.stderr}`));
  assertReported(ranks[0], at('rank0'));
  assert.equal(ranks[1].stdout, '');
  assert.equal(existsSync(at('rank1')), false, "rank 1's run dir is never created");
  assertSameWeights(weights(at('rank0')), expected, 'outside launcher');
});

void test('a wrong torchrun variable exits 2 naming it, before a run dir or a process group exists', async (t) => {
  const root = await makeColourFolder(1);
  t.after(() => rm(root, { recursive: true, force: true }));
  const nodes = ['trainer.devices=1', 'trainer.numNodes=2'];
  const node = { MASTER_ADDR: '127.0.0.1', MASTER_PORT: '29500', NODE_RANK: '0' };
  const cases: [Record<string, string>, RegExp][] = [
    [{ ...node, NODE_RANK: '2' }, /expected NODE_RANK to be an integer in \[0, 1\] \(trainer\.numNodes=2\), but got "2"/],
    [{ ...node, MASTER_PORT: 'abc' }, /expected MASTER_PORT to be an integer in \[1, 65535\].*but got "abc"/],
    [{ ...node, WORLD_SIZE: '3', RANK: '0' }, /expected WORLD_SIZE to equal trainer\.devices x trainer\.numNodes = 1 x 2 = 2, but got "3"/],
  ];
  const started = Date.now();
  const exits = await Promise.all(cases.map(([env], i) => train(root, path.join(root, `run${i}`), nodes, env)));
  exits.forEach((exit, i) => {
    assert.equal(exit.status, 2, exit.stderr);
    assert.match(exit.stderr, cases[i][1]);
    assert.equal(exit.stdout, '');
    assert.equal(existsSync(path.join(root, `run${i}`)), false, 'no run dir');
  });
  // A process group would wait for the other ranks (trainer.distributedTimeout=30000): none was joined.
  assert.ok(Date.now() - started < 25_000, `took ${Date.now() - started} ms`);
});
