/**
 * Child process of the signal test: trains the colour data set and sends
 * itself `process.argv[4]` (SIGINT or SIGTERM) twice after step 7, as a user
 * pressing Ctrl-C twice would. The Trainer must finish the step, save
 * last.ckpt once and leave with exit code 130 / 143.
 */
import { Callback } from '../../src/training/callback.js';
import type { TrainerView } from '../../src/training/trainer-view.js';
import { Trainer } from '../../src/training/trainer.js';
import { colourDataModule, tinyCnn } from './trainer-fixtures.js';

const [root, dir, signal] = process.argv.slice(2) as [string, string, NodeJS.Signals];

class SignalAtStep7 extends Callback {
  override onTrainBatchEnd(trainer: TrainerView): void {
    if (trainer.globalStep !== 7) return;
    process.kill(process.pid, signal);
    process.kill(process.pid, signal);
  }
}

const dm = colourDataModule(root);
await new Trainer({
  enableProgressBar: false,
  enableModelSummary: false,
  numThreads: 2,
  seed: 11,
  maxEpochs: 4,
  defaultRootDir: dir,
  callbacks: [new SignalAtStep7()],
}).fit(tinyCnn(), dm);
await dm.close();
console.log('fit returned');
