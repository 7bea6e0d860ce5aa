/**
 * Launcher process of the DDP abort test: `fit` with strategy 'ddp' on 2
 * devices and an AbortSignal that fires once rank 0's first checkpoint is
 * written (the workers run this same file); the launcher prints how fit
 * ended and its exit code. Arguments: data root, run dir.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Trainer } from '../../src/training/trainer.js';
import { colourDataModule, tinyCnn } from '../integration/trainer-fixtures.js';

const [root, dir] = process.argv.slice(2) as [string, string];
const dm = colourDataModule(root);
const module = tinyCnn();
const controller = new AbortController();
const trainer = new Trainer({
  strategy: 'ddp',
  precision: '32',
  devices: 2,
  maxEpochs: 50,
  seed: 4,
  defaultRootDir: dir,
  enableProgressBar: false,
  enableModelSummary: false,
  logger: false,
  distributedTimeout: 30_000,
});
const launcher = process.env.RANK === undefined;
const watch = launcher
  ? setInterval(() => {
      if (existsSync(path.join(dir, 'checkpoints', 'last.ckpt'))) controller.abort();
    }, 50)
  : null;
const result = await trainer.fit(module, dm, { signal: controller.signal });
if (watch !== null) clearInterval(watch);
if (launcher) console.log(`RESULT ${JSON.stringify({ ...result, exitCode: process.exitCode ?? 0 })}`);
await dm.close();
