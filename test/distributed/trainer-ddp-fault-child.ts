/**
 * Launcher process of the Trainer's DDP fault tests (the launcher runs this
 * same file as both workers). Modes:
 * - `kill`: rank 1 SIGKILLs itself after step 2 (printing `DYING <ms>` first);
 * - `bad-data`: the data root does not exist, so every rank fails the same way;
 * - `slow`: every step takes 150 ms more and rank 0 prints `STEP <n>`, so a
 *   test can send SIGINT to the launcher mid-fit;
 * - `resume`: continues the run from its last.ckpt to the end.
 * Arguments: data root, run dir, mode.
 */
import { Callback } from '../../src/training/callback.js';
import type { TrainerView } from '../../src/training/trainer-view.js';
import { Trainer } from '../../src/training/trainer.js';
import { colourDataModule, tinyCnn } from '../integration/trainer-fixtures.js';

const [root, dir, mode] = process.argv.slice(2) as [string, string, string];
const rank = Number(process.env.RANK ?? -1);

class Fault extends Callback {
  override async onTrainBatchEnd(trainer: TrainerView): Promise<void> {
    if (mode === 'kill' && rank === 1 && trainer.globalStep === 2) {
      console.log(`DYING ${Date.now()}`);
      process.kill(process.pid, 'SIGKILL');
    }
    if (mode === 'slow') {
      if (rank === 0) console.log(`STEP ${trainer.globalStep}`);
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
  }
}

const dm = colourDataModule(mode === 'bad-data' ? `${root}/missing` : root);
const trainer = new Trainer({
  strategy: 'ddp',
  devices: 2,
  maxEpochs: 3,
  seed: 4,
  numThreads: 1,
  defaultRootDir: dir,
  enableProgressBar: false,
  enableModelSummary: false,
  numSanityValSteps: 0,
  distributedTimeout: 4000,
  callbacks: [new Fault()],
});
await trainer.fit(tinyCnn(), dm, { ckptPath: mode === 'resume' ? 'last' : null });
await dm.close();
