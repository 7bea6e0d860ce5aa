import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError } from '../../errors.js';
import { reportsRun, resolveDdpRole, RUN_DIR_ENV } from './ddp-env.js';
import { launchProcesses } from './launcher.js';

const twoNodes = { devices: 2, numNodes: 2 };
const node = (nodeRank: string) => ({ MASTER_ADDR: '10.0.0.1', MASTER_PORT: '29500', NODE_RANK: nodeRank });
const configError = (pattern: RegExp) => (e: unknown) => e instanceof ConfigError && pattern.test(e.message);

void test('resolveDdpRole: without WORLD_SIZE this process launches its node; one node needs no variables', () => {
  assert.deepEqual(resolveDdpRole({}, { devices: 2, numNodes: 1 }), {
    kind: 'launcher',
    nodeRank: 0,
    masterAddr: '127.0.0.1',
    masterPort: null,
  });
  assert.deepEqual(resolveDdpRole({ MASTER_PORT: '29400' }, { devices: 2, numNodes: 1 }).kind, 'launcher');
  assert.deepEqual(resolveDdpRole(node('1'), twoNodes), { kind: 'launcher', nodeRank: 1, masterAddr: '10.0.0.1', masterPort: 29500 });
});

void test('resolveDdpRole: a wrong launcher variable is a ConfigError naming it', () => {
  const cases: [NodeJS.ProcessEnv, RegExp][] = [
    [node('2'), /expected NODE_RANK to be an integer in \[0, 1\] \(trainer\.numNodes=2\), but got "2"/],
    [node('-1'), /NODE_RANK.*but got "-1"/],
    [{ ...node('0'), NODE_RANK: undefined }, /expected NODE_RANK .*but got nothing \(unset\)/],
    [{ ...node('0'), MASTER_PORT: 'abc' }, /expected MASTER_PORT to be an integer in \[1, 65535\].*but got "abc"/],
    [{ ...node('0'), MASTER_PORT: '70000' }, /MASTER_PORT.*but got "70000"/],
    [{ ...node('0'), MASTER_ADDR: undefined }, /expected MASTER_ADDR to name node 0's host.*but got nothing \(unset\)/],
    [{ ...node('0'), RANK: '1' }, /expected WORLD_SIZE to be set with RANK=1.*set WORLD_SIZE=4/],
  ];
  for (const [env, pattern] of cases) assert.throws(() => resolveDdpRole(env, twoNodes), configError(pattern), JSON.stringify(env));
  // One node: NODE_RANK, when given, must be 0, and MASTER_PORT must still be a port.
  assert.throws(() => resolveDdpRole({ NODE_RANK: '1' }, { devices: 2, numNodes: 1 }), configError(/NODE_RANK.*\[0, 0\]/));
  assert.throws(() => resolveDdpRole({ MASTER_PORT: 'x' }, { devices: 2, numNodes: 1 }), configError(/MASTER_PORT.*"x"/));
});

void test('resolveDdpRole: a worker (WORLD_SIZE set) is checked against trainer.devices x trainer.numNodes', () => {
  const worker = { MASTER_ADDR: '10.0.0.1', MASTER_PORT: '29500', WORLD_SIZE: '4', RANK: '3', LOCAL_RANK: '1', LOCAL_WORLD_SIZE: '2' };
  assert.deepEqual(resolveDdpRole(worker, twoNodes), {
    kind: 'worker',
    env: { masterAddr: '10.0.0.1', masterPort: 29500, worldSize: 4, rank: 3, localRank: 1 },
  });
  // RANK from NODE_RANK x LOCAL_WORLD_SIZE + LOCAL_RANK, as torchrun's wrappers may give it.
  const derived = resolveDdpRole({ ...worker, RANK: undefined, NODE_RANK: '1', LOCAL_RANK: '0' }, twoNodes);
  assert.equal(derived.kind === 'worker' && derived.env.rank, 2);
  const cases: [NodeJS.ProcessEnv, RegExp][] = [
    [
      { ...worker, WORLD_SIZE: '3', RANK: '1' },
      /expected WORLD_SIZE to equal trainer\.devices x trainer\.numNodes = 2 x 2 = 4, but got "3"/,
    ],
    [{ ...worker, LOCAL_WORLD_SIZE: '4' }, /expected LOCAL_WORLD_SIZE to be an integer in \[2, 2\] \(trainer\.devices=2\), but got "4"/],
    [{ ...worker, LOCAL_RANK: '2' }, /LOCAL_RANK.*\[0, 1\].*but got "2"/],
    [{ ...worker, NODE_RANK: '2' }, /NODE_RANK.*\[0, 1\].*but got "2"/],
    [{ ...worker, RANK: '4' }, /RANK.*\[0, 3\].*but got "4"/],
    [{ ...worker, MASTER_PORT: 'http' }, /MASTER_PORT.*but got "http"/],
  ];
  for (const [env, pattern] of cases) assert.throws(() => resolveDdpRole(env, twoNodes), configError(pattern), JSON.stringify(env));
});

void test('reportsRun: node 0 (or rank 0 under an outside launcher) reports; our own workers and other nodes do not', () => {
  assert.equal(reportsRun({ WORLD_SIZE: '2', RANK: '1' }, 'single'), true, 'outside ddp every process reports');
  assert.equal(reportsRun({}, 'ddp'), true);
  assert.equal(reportsRun({ NODE_RANK: '0' }, 'ddp'), true);
  assert.equal(reportsRun({ NODE_RANK: '1' }, 'ddp'), false);
  assert.equal(reportsRun({ WORLD_SIZE: '2', RANK: '0' }, 'ddp'), true);
  assert.equal(reportsRun({ WORLD_SIZE: '2', RANK: '1' }, 'ddp'), false);
  assert.equal(reportsRun({ WORLD_SIZE: '4', NODE_RANK: '1', LOCAL_RANK: '0' }, 'ddp'), false);
  assert.equal(reportsRun({ WORLD_SIZE: '2', RANK: '0', [RUN_DIR_ENV]: '/run' }, 'ddp'), false, 'its launcher reports');
});

void test('launchProcesses on node 1 of 2 gives its workers the global ranks, WORLD_SIZE and NODE_RANK', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'ct-launch-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const names = ['RANK', 'LOCAL_RANK', 'WORLD_SIZE', 'LOCAL_WORLD_SIZE', 'NODE_RANK', 'MASTER_ADDR', 'MASTER_PORT'];
  const script = `require('fs').writeFileSync(require('path').join(${JSON.stringify(dir)}, 'rank-' + process.env.RANK + '.json'), JSON.stringify(${JSON.stringify(names)}.map((n) => process.env[n])))`;
  await launchProcesses({
    nprocs: 2,
    nodeRank: 1,
    numNodes: 2,
    masterAddr: '10.0.0.1',
    masterPort: 29500,
    command: process.execPath,
    args: ['-e', script],
    stdio: 'ignore',
  });
  const read = async (rank: number) => JSON.parse(await readFile(path.join(dir, `rank-${rank}.json`), 'utf8')) as string[];
  assert.deepEqual(await read(2), ['2', '0', '4', '2', '1', '10.0.0.1', '29500']);
  assert.deepEqual(await read(3), ['3', '1', '4', '2', '1', '10.0.0.1', '29500']);
  await assert.rejects(
    launchProcesses({ nprocs: 1, nodeRank: 2, numNodes: 2, command: process.execPath }),
    /nodeRank in \[0, 1\], but got 2/,
  );
});
