/**
 * Reads a worker's place in a distributed run from torchrun's environment
 * variables (`MASTER_ADDR`, `MASTER_PORT`, `WORLD_SIZE`, `RANK`,
 * `LOCAL_RANK`, and `NODE_RANK` + `LOCAL_WORLD_SIZE` when `RANK` is unset),
 * so torchrun, Slurm or Kubernetes wrappers and our own launcher all drive
 * the same code.
 *
 * @example
 * const env = readTorchrunEnv(process.env); // { masterAddr: '127.0.0.1', masterPort: 29500, worldSize: 2, rank: 1, localRank: 1 }
 */
import { ConfigError } from '../../errors.js';

/** One worker's coordinates in a distributed run. */
export interface TorchrunEnv {
  masterAddr: string;
  masterPort: number;
  worldSize: number;
  rank: number;
  localRank: number;
}

function integer(env: NodeJS.ProcessEnv, name: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const text = env[name];
  const value = Number(text);
  if (text === undefined || text.trim() === '' || !Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(
      `torchrun environment: expected ${name} to be an integer in [${min}, ${max}], but got ${text === undefined ? 'nothing (unset)' : JSON.stringify(text)}`,
    );
  }
  return value;
}

/** True when the environment describes a distributed worker (WORLD_SIZE is set). */
export function hasTorchrunEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.WORLD_SIZE !== undefined;
}

/**
 * Parses torchrun's variables; throws a ConfigError naming the first missing or invalid one.
 *
 * @example
 * readTorchrunEnv({ MASTER_ADDR: 'node0', MASTER_PORT: '29500', WORLD_SIZE: '8', NODE_RANK: '1', LOCAL_WORLD_SIZE: '4', LOCAL_RANK: '2' }).rank; // 6
 */
export function readTorchrunEnv(env: NodeJS.ProcessEnv = process.env): TorchrunEnv {
  const masterAddr = env.MASTER_ADDR ?? '';
  if (masterAddr === '')
    throw new ConfigError('torchrun environment: expected MASTER_ADDR to name the rank-0 host, but got nothing (unset)');
  const masterPort = integer(env, 'MASTER_PORT', 1, 65535);
  const worldSize = integer(env, 'WORLD_SIZE', 1);
  const localRank = env.LOCAL_RANK === undefined ? 0 : integer(env, 'LOCAL_RANK', 0, worldSize - 1);
  const rank =
    env.RANK !== undefined
      ? integer(env, 'RANK', 0, worldSize - 1)
      : integer(env, 'NODE_RANK', 0, worldSize - 1) * integer(env, 'LOCAL_WORLD_SIZE', 1, worldSize) + localRank;
  if (rank >= worldSize) throw new ConfigError(`torchrun environment: expected a rank below WORLD_SIZE=${worldSize}, but got ${rank}`);
  return { masterAddr, masterPort, worldSize, rank, localRank };
}
