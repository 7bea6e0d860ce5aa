/**
 * Launcher process of the Trainer's DDP test: `fit` with strategy 'ddp' and
 * 2 devices starts two workers running this same file, waits for them and
 * loads the run's last weights; it then validates in one process and prints
 * the result as JSON for the test to compare with what rank 0 logged. Each
 * worker prints the last epoch's metrics it computed (`RANK <r> {...}`) and
 * its libtorch threads and data parallelism, left at 'auto' (`SHARE <r> {...}`).
 * Arguments: data root, run dir, and optionally the val fraction; the
 * precision of both runs comes from DDP_TEST_PRECISION (default '32'; with
 * 'bf16-mixed' the weights are channels-last, the Trainer's CPU default).
 */
import * as torch from '../../src/torch/index.js';
import { Trainer } from '../../src/training/trainer.js';
import { colourDataModule, tinyCnn } from '../integration/trainer-fixtures.js';

const [root, dir, valFraction] = process.argv.slice(2) as [string, string, string | undefined];
const dm = colourDataModule(root, valFraction !== undefined ? { valFraction: Number(valFraction) } : {});
const module = tinyCnn();
const precision = (process.env.DDP_TEST_PRECISION ?? '32') as '32' | 'bf16-mixed';
const trainer = new Trainer({
  strategy: 'ddp',
  precision,
  devices: 2,
  maxEpochs: 2,
  seed: 4,
  // numThreads left at null: each rank takes its share of the cores.
  defaultRootDir: dir,
  enableProgressBar: false,
  enableModelSummary: false,
  distributedTimeout: 30_000,
  // Rank 0 alone prints (and writes) the profiler's report.
  profiler: 'simple',
});
await trainer.fit(module, dm);
if (process.env.RANK !== undefined) {
  // Every rank's own view of the last epoch: synced metrics are the same on all ranks.
  console.log(`RANK ${process.env.RANK} ${JSON.stringify(trainer.history.at(-1)?.metrics ?? {})}`);
  console.log(`SHARE ${process.env.RANK} ${JSON.stringify({ threads: torch.getNumThreads(), ...dm.parallelism })}`);
  const layouts = module.namedParameters().map(([name, p]) => [name, p.isContiguous('channelsLast') && !p.isContiguous()]);
  console.log(`LAYOUT ${process.env.RANK} ${JSON.stringify(Object.fromEntries(layouts))}`);
} else {
  const single = new Trainer({
    precision,
    numThreads: 1,
    defaultRootDir: dir,
    enableProgressBar: false,
    enableModelSummary: false,
    logger: false,
    enableCheckpointing: false,
  });
  const [metrics] = await single.validate(module, dm);
  console.log(`RESULT ${JSON.stringify(metrics)}`);
}
await dm.close();
