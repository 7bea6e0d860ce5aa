/**
 * bench:fmnist's plugin for `classifier-training train --plugin`: registers
 * the callback `bench_epoch_test`, which after every train epoch (its
 * validation included) runs the model over the whole test split and
 * appends one JSON line to `out`:
 * `{ epoch, testTop1, valTop1, trainLoss, testStartMs, testEndMs, epochEndMs }`.
 * Times are `Date.now()` stamps. `epochEndMs` of an epoch is taken when the
 * next epoch starts (or training ends), so the epoch-end work of the other
 * callbacks (checkpoint writes, plots, report) counts in the epoch; the
 * bench subtracts the test passes (testEndMs - testStartMs), which are the
 * bench's own and not part of the recipe.
 *
 * The test pass runs like the Trainer's evaluation loop (eval mode, no
 * grad, the run's precision and memory format, the eval transforms) but
 * through `module.forward` only, leaving the module's metric state and the
 * logs alone.
 *
 * @example
 * node bin/classifier-training.js train --no-test --plugin bench/fmnist-epoch-test.ts +callbacks.bench_epoch_test.out=/tmp/e.jsonl
 */
import { appendFileSync } from 'node:fs';
import { z } from 'zod';
// Through the package, as any plugin: the CLI's own registry, tensors and Callback class.
import { Callback, register, torch } from 'classifier-training';
import type { models, Trainer, TrainerView } from 'classifier-training';

type ClassificationModule = models.ClassificationModule;

const schema = z.strictObject({ out: z.string().min(1) });

interface EpochLine {
  epoch: number;
  testTop1: number;
  valTop1: number | null;
  trainLoss: number | null;
  testStartMs: number;
  testEndMs: number;
  epochEndMs?: number;
}

/** Test top-1 after every epoch, as JSON lines (see the module doc). @example new EpochTest({ out: '/tmp/e.jsonl' }); */
export class EpochTest extends Callback {
  readonly out: string;
  #pending: EpochLine | null = null;

  constructor(options: z.input<typeof schema>) {
    super();
    this.out = schema.parse(options).out;
  }

  override async onTrainEpochEnd(view: TrainerView, module: ClassificationModule): Promise<void> {
    const trainer = view as unknown as Trainer; // hooks get the Trainer itself: its precision and memory format
    const dm = trainer.dataModule;
    if (dm === null) throw new Error('bench_epoch_test: expected a run with a data module, but got loaders only');
    const testStartMs = Date.now();
    await dm.setup('test');
    let correct = 0;
    let total = 0;
    module.eval();
    try {
      for await (const batch of dm.testLoader({ channelsLast: trainer.channelsLast }).epoch(0)) {
        try {
          correct += torch.noGrad(() =>
            torch.tidy(() =>
              trainer.precision
                .forward(() => module.forward(batch.images))
                .argmax({ dim: 1 })
                .eq(batch.labels)
                .sum()
                .item(),
            ),
          );
          total += batch.labels.size(0);
        } finally {
          torch.dispose([batch.images, batch.labels]);
        }
      }
    } finally {
      module.train();
    }
    const metric = (name: string): number | null => view.callbackMetrics[name] ?? null;
    this.#pending = {
      epoch: view.currentEpoch,
      testTop1: correct / total,
      valTop1: metric('val/acc_top1'),
      trainLoss: metric('train/loss'),
      testStartMs,
      testEndMs: Date.now(),
    };
  }

  override onTrainEpochStart(): void {
    this.#flush();
  }

  override onTrainEnd(): void {
    this.#flush();
  }

  #flush(): void {
    if (this.#pending === null) return;
    appendFileSync(this.out, `${JSON.stringify({ ...this.#pending, epochEndMs: Date.now() })}\n`);
    this.#pending = null;
  }
}

register({
  group: 'callback',
  name: 'bench_epoch_test',
  schema,
  build: (options: z.output<typeof schema>) => new EpochTest(options),
  description: "bench:fmnist: test top-1 after every epoch, appended to 'out' as JSON lines",
});
