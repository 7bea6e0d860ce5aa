/**
 * Child of run-lifecycle.test.ts: a tiny fit whose last end-of-epoch hook
 * receives SIGINT in the middle of synchronous work (as a checkpoint write
 * is), then prints how the run ended. Exit code 130 means the signal was honoured.
 */
import { Callback } from '../../src/training/callback.js';
import { Trainer } from '../../src/training/trainer.js';
import type { Logger } from '../../src/training/logger.js';
import { colourDataModule, tinyCnn } from '../integration/trainer-fixtures.js';

class SignalWhileSaving extends Callback {
  override onTrainEpochEnd(trainer: { currentEpoch: number }): void {
    if (trainer.currentEpoch !== 1) return;
    process.kill(process.pid, 'SIGINT');
    const until = Date.now() + 200;
    while (Date.now() < until); // the signal lands while this synchronous "write" runs
  }
}

const status: Logger = {
  name: 'status',
  logMetrics: () => undefined,
  logHyperparams: () => undefined,
  flush: () => Promise.resolve(),
  finalize: (s) => {
    process.stdout.write(`status ${s}\n`);
    return Promise.resolve();
  },
};

const dm = colourDataModule(process.argv[2]);
const module = tinyCnn();
await new Trainer({
  maxEpochs: 2,
  enableProgressBar: false,
  enableModelSummary: false,
  enableCheckpointing: false,
  numThreads: 1,
  callbacks: [new SignalWhileSaving()],
  logger: [status],
}).fit(module, dm);
await dm.close();
module.dispose();
