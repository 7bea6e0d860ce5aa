/**
 * Launcher process of the Trainer's DDP test: `fit` with strategy 'ddp' and
 * 2 devices starts two workers running this same file, waits for them and
 * loads the run's last weights; it then validates in one process and prints
 * the result as JSON for the test to compare with what rank 0 logged.
 */
import { Trainer } from '../../src/training/trainer.js';
import { colourDataModule, tinyCnn } from '../integration/trainer-fixtures.js';

const [root, dir] = process.argv.slice(2) as [string, string];
const dm = colourDataModule(root);
const module = tinyCnn();
const trainer = new Trainer({
  strategy: 'ddp',
  devices: 2,
  maxEpochs: 2,
  seed: 4,
  numThreads: 1,
  defaultRootDir: dir,
  enableProgressBar: false,
  enableModelSummary: false,
  distributedTimeout: 30_000,
});
await trainer.fit(module, dm);
await dm.close();
if (process.env.RANK === undefined) {
  const single = new Trainer({
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
