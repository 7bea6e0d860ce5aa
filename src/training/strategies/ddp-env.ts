/**
 * What this process is in a data-parallel run, read from torchrun's
 * environment variables and checked against `trainer.devices` and
 * `trainer.numNodes` before anything starts: a *launcher* (no `WORLD_SIZE`:
 * it starts `devices` workers on its node, node `NODE_RANK` of `numNodes`,
 * rendezvous at `MASTER_ADDR:MASTER_PORT`, as `torchrun --nnodes` does) or a
 * *worker* (`WORLD_SIZE` set by our launcher or by an outside one: torchrun,
 * a Slurm or Kubernetes wrapper). An inconsistent environment is a
 * ConfigError naming the variable, raised before any process or process
 * group exists.
 *
 * @example
 * resolveDdpRole({ MASTER_ADDR: 'node0', MASTER_PORT: '29500', NODE_RANK: '1' }, { devices: 4, numNodes: 2 });
 * // { kind: 'launcher', nodeRank: 1, masterAddr: 'node0', masterPort: 29500 }
 */
import { ConfigError } from '../../errors.js';
import { readTorchrunEnv } from './torchrun-env.js';
import type { TorchrunEnv } from './torchrun-env.js';

/** The variable that gives every worker its launcher's run directory (set only by our launcher). */
export const RUN_DIR_ENV = 'CLASSIFIER_TRAINING_RUN_DIR';

/**
 * The variable that names the run a worker belongs to (torchrun's `rdzv_id`):
 * our launcher makes one per run and passes it to its workers; an outside
 * launcher, or the launchers of a run on several nodes, set the same value on
 * every rank. A rank whose id differs from the one rank 0 put in the store is
 * refused, so a second run on a busy MASTER_PORT cannot join the first.
 */
export const RUN_ID_ENV = 'CLASSIFIER_TRAINING_RUN_ID';

/**
 * This worker's run id: `CLASSIFIER_TRAINING_RUN_ID`, else torchrun's
 * `TORCHELASTIC_RUN_ID` (its `--rdzv-id`), else 'none'.
 *
 * @example
 * readRunId({ TORCHELASTIC_RUN_ID: 'job-17' }); // 'job-17'
 */
export function readRunId(env: NodeJS.ProcessEnv): string {
  return env[RUN_ID_ENV] || env.TORCHELASTIC_RUN_ID || 'none';
}

/** A process that starts the workers of its node. */
export interface LauncherRole {
  kind: 'launcher';
  nodeRank: number;
  masterAddr: string;
  /** null: one node and no MASTER_PORT, so any free port will do. */
  masterPort: number | null;
}

/** A process that trains: one rank of the run. */
export interface WorkerRole {
  kind: 'worker';
  env: TorchrunEnv;
}

/** How many processes the run has: `devices` per node on `numNodes` nodes. */
export interface DdpShape {
  devices: number;
  numNodes: number;
}

function fail(name: string, expected: string, value: string | undefined, hint = ''): never {
  const got = value === undefined ? 'nothing (unset)' : JSON.stringify(value);
  throw new ConfigError(`torchrun environment: expected ${name} ${expected}, but got ${got}${hint}`);
}

function optionalInteger(env: NodeJS.ProcessEnv, name: string, min: number, max: number, why = ''): number | null {
  const text = env[name];
  if (text === undefined) return null;
  const value = Number(text);
  if (text.trim() === '' || !Number.isInteger(value) || value < min || value > max)
    fail(name, `to be an integer in [${min}, ${max}]${why}`, text);
  return value;
}

function requiredInteger(env: NodeJS.ProcessEnv, name: string, min: number, max: number, why: string): number {
  return optionalInteger(env, name, min, max, why) ?? fail(name, `to be an integer in [${min}, ${max}]${why}`, undefined);
}

/**
 * The role of this process in a run of `shape`; throws a ConfigError naming
 * the first variable that is missing, malformed or inconsistent with it.
 *
 * @example
 * resolveDdpRole({}, { devices: 2, numNodes: 1 }); // { kind: 'launcher', nodeRank: 0, masterAddr: '127.0.0.1', masterPort: null }
 */
export function resolveDdpRole(env: NodeJS.ProcessEnv, shape: DdpShape): LauncherRole | WorkerRole {
  const { devices, numNodes } = shape;
  const worldSize = devices * numNodes;
  const nodes = ` (trainer.numNodes=${numNodes})`;
  if (env.WORLD_SIZE === undefined) {
    for (const name of ['RANK', 'LOCAL_RANK'])
      if (env[name] !== undefined)
        fail(
          'WORLD_SIZE',
          `to be set with ${name}=${env[name]}`,
          undefined,
          `; set WORLD_SIZE=${worldSize} (trainer.devices x trainer.numNodes), or unset RANK and LOCAL_RANK to let this command start the processes of its node`,
        );
    const multi = numNodes > 1;
    const masterAddr = env.MASTER_ADDR ?? (multi ? '' : '127.0.0.1');
    if (masterAddr === '')
      fail(
        'MASTER_ADDR',
        `to name node 0's host on each of ${numNodes} nodes${nodes}`,
        env.MASTER_ADDR,
        '; start the same command on every node with MASTER_ADDR, MASTER_PORT and NODE_RANK set',
      );
    const masterPort = multi ? requiredInteger(env, 'MASTER_PORT', 1, 65535, nodes) : optionalInteger(env, 'MASTER_PORT', 1, 65535);
    const nodeRank = multi
      ? requiredInteger(env, 'NODE_RANK', 0, numNodes - 1, nodes)
      : (optionalInteger(env, 'NODE_RANK', 0, 0, nodes) ?? 0);
    return { kind: 'launcher', nodeRank, masterAddr, masterPort };
  }
  const parsed = readTorchrunEnv(env);
  if (parsed.worldSize !== worldSize)
    fail('WORLD_SIZE', `to equal trainer.devices x trainer.numNodes = ${devices} x ${numNodes} = ${worldSize}`, env.WORLD_SIZE);
  const perNode = ` (trainer.devices=${devices})`;
  optionalInteger(env, 'LOCAL_WORLD_SIZE', devices, devices, perNode);
  optionalInteger(env, 'LOCAL_RANK', 0, devices - 1, perNode);
  optionalInteger(env, 'NODE_RANK', 0, numNodes - 1, nodes);
  return { kind: 'worker', env: parsed };
}

/**
 * Whether this process reports the run (writes the run directory's config,
 * tests, prints the result): the process a user started on node 0, or rank 0
 * when an outside launcher started every rank. A worker our launcher started
 * leaves that to its launcher. Any process outside a ddp run reports.
 *
 * @example
 * if (reportsRun(process.env, trainer.options.strategy)) console.log(JSON.stringify(result));
 */
export function reportsRun(env: NodeJS.ProcessEnv, strategy: string): boolean {
  if (strategy !== 'ddp') return true;
  if (env[RUN_DIR_ENV] !== undefined) return false;
  const zero = (name: string) => env[name] === undefined || Number(env[name]) === 0;
  if (env.WORLD_SIZE === undefined) return zero('NODE_RANK');
  return env.RANK !== undefined ? zero('RANK') : zero('NODE_RANK') && zero('LOCAL_RANK');
}
