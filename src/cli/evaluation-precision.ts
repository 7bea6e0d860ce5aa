/**
 * `evaluationPrecision`: the precision `validate` and `test` run a
 * checkpoint at. Evaluation is inference, so its precision is chosen as
 * `predict`'s libtorch backend chooses it, not taken from how the run
 * trained: 'auto' is bf16 autocast + channels-last on a CPU with native bf16
 * (AVX-512 BF16, AMX), where bench:predict measured it faster than fp32 with
 * the same top-1, and fp32 on any other CPU, where bf16 is emulated and
 * slower. On a GPU 'auto' keeps the run's own precision (a run trained at
 * `precision: auto` evaluates by the Trainer's no-probe rule: bf16-mixed +
 * channels-last on CUDA). `--precision 32` or `bf16-mixed` forces one.
 *
 * @example
 * const { precision, memoryFormat } = evaluationPrecision('auto', plan.trainer, { cuda: false });
 */
import { resolveInferencePrecision } from '../export/libtorch-logits.js';
import type { InferencePrecision } from '../export/libtorch-logits.js';
import type { TrainerOptions } from '../training/trainer-options.js';

/** The trainer options evaluation overrides. */
export type EvaluationPrecision = Pick<TrainerOptions, 'precision' | 'memoryFormat'>;

/**
 * The precision and memory format to evaluate with, from the `--precision` flag and the run's trainer options.
 *
 * @example
 * evaluationPrecision('32', plan.trainer, { cuda: false }); // { precision: '32', memoryFormat: plan.trainer.memoryFormat }
 */
export function evaluationPrecision(
  flag: InferencePrecision,
  trainer: EvaluationPrecision & Pick<TrainerOptions, 'device'>,
  environment: { cuda: boolean },
): EvaluationPrecision {
  const onGpu = trainer.device === 'cuda' || (trainer.device === 'auto' && environment.cuda);
  if (flag === 'auto' && onGpu) return { precision: trainer.precision, memoryFormat: trainer.memoryFormat };
  const precision = resolveInferencePrecision(flag, '--precision');
  // channels-last is what makes bf16 fast on CPU; fp32 keeps the run's own choice ('auto': contiguous).
  return {
    precision,
    memoryFormat: precision === 'bf16-mixed' && trainer.memoryFormat === 'contiguous' ? 'channelsLast' : trainer.memoryFormat,
  };
}
