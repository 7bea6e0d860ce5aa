/**
 * A callback for the process tests, loaded with `--plugin`: `hold` stops
 * every rank at the end of one training epoch until a file exists, so a test
 * can do something while a run is known to be in the middle of training.
 * On reaching the hold it writes `<file>.waiting`.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
// Through the package, as a user's plugin: the CLI's own registry and Callback class.
import { Callback, register } from 'classifier-training';
import type { TrainerView } from 'classifier-training';

const schema = z.strictObject({ file: z.string(), afterEpoch: z.number().int().min(0).default(0), timeoutMs: z.number().default(60_000) });

class Hold extends Callback {
  constructor(readonly options: z.output<typeof schema>) {
    super();
  }

  override async onTrainEpochEnd(trainer: TrainerView): Promise<void> {
    if (trainer.currentEpoch !== this.options.afterEpoch) return;
    writeFileSync(`${this.options.file}.waiting`, '');
    for (const started = Date.now(); !existsSync(this.options.file) && Date.now() - started < this.options.timeoutMs;) await sleep(20);
  }
}

register({
  group: 'callback',
  name: 'hold',
  schema,
  description: 'waits at the end of one training epoch until a file exists (tests)',
  build: (o: z.output<typeof schema>) => new Hold(o),
});
