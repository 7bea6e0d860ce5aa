/**
 * `classifier-training validate <ckpt>` and `test <ckpt>`: a checkpoint on
 * the val / test split of the data its run was trained on (the run's saved
 * `.config/config.yaml`, else the composed config; overrides apply either
 * way). The metrics go to stdout as JSON and to `<run>/<split>_metrics.json`.
 * The forward runs at `--precision` (default 'auto': bf16 + channels-last on
 * a CPU with native bf16, else fp32; see evaluation-precision.ts), not
 * necessarily the precision the run trained at. `--tta flip|crops|flip,crops`
 * adds the top-1 accuracy with test-time augmentation beside the plain one
 * (both from one fp32 pass; printed on stderr, and in the JSON as
 * `<split>/acc_top1_tta` and `<split>/acc_top1_no_tta`).
 *
 * @example
 * registerEvaluate(program); // classifier-training test outputs/2026-11-26/17-40-00/checkpoints/last.ckpt
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { runDirOf, savedRunConfig } from '../../config/index.js';
import { ConfigError, fsReason, SerializationError } from '../../errors.js';
import { inferencePrecisions } from '../../export/libtorch-logits.js';
import type { InferencePrecision } from '../../export/libtorch-logits.js';
import type { TtaPlan } from '../../export/tta.js';
import type { DataLoader } from '../../data/data-loader.js';
import type { Module } from '../../torch/nn/index.js';
import { evaluationPrecision } from '../evaluation-precision.js';
import { composeFromSaved, composeRunConfig } from '../compose-run-config.js';
import type { RunConfig } from '../compose-run-config.js';
import { withConfigFlags } from './config-flags.js';
import type { ConfigFlags } from './config-flags.js';

/** The run's saved config with `overrides` applied, or the composed one. */
function evaluationConfig(runDir: string, overrides: string[], flags: ConfigFlags): RunConfig {
  const saved = savedRunConfig(runDir);
  return saved === null ? composeRunConfig({ ...flags, overrides }) : composeFromSaved(saved, overrides);
}

/**
 * Top-1 accuracy without and with TTA from one fp32 pass (the figures beside the run's own metrics,
 * which may come from a bf16 forward), printed side by side on stderr.
 */
async function ttaFigures(module: Module, loader: DataLoader, tta: TtaPlan, what: string): Promise<Record<string, number>> {
  const { evaluateTta } = await import('../../export/tta.js');
  const { accuracy, ttaAccuracy, samples } = await evaluateTta(module, loader, tta);
  const gain = (ttaAccuracy - accuracy) * 100;
  console.error(
    `${what} accuracy: ${accuracy.toFixed(4)} without TTA, ${ttaAccuracy.toFixed(4)} with TTA '${tta.label}' (${tta.views} views), ${gain >= 0 ? '+' : ''}${gain.toFixed(2)} points over ${samples} images`,
  );
  return { [`${what}/acc_top1_no_tta`]: accuracy, [`${what}/acc_top1_tta`]: ttaAccuracy };
}

function registerOne(program: Command, split: 'validate' | 'test'): void {
  const what = split === 'validate' ? 'val' : 'test';
  withConfigFlags(program.command(split))
    .description(`evaluate a checkpoint on the ${what} split; prints and saves the metrics`)
    .argument('<ckpt>', 'a checkpoint file (its run directory gives the config)')
    .argument('[overrides...]', 'config overrides, e.g. data.batchSize=256')
    .option(
      '--precision <precision>',
      "auto (bf16 autocast + channels-last on a CPU with AVX-512 BF16 or AMX, else fp32; on a GPU the run's own), 32 or bf16-mixed",
      'auto',
    )
    .option(
      '--tta <views>',
      'also the top-1 accuracy with test-time augmentation: flip, crops or flip,crops (printed beside the plain one)',
    )
    .addHelpText(
      'after',
      `\nExamples:\n  classifier-training ${split} outputs/2026-11-26/17-40-00/checkpoints/last.ckpt\n  classifier-training ${split} run/checkpoints/best.ckpt data.root=other-data\n  classifier-training ${split} run/checkpoints/best.ckpt --precision 32\n  classifier-training ${split} run/checkpoints/best.ckpt --tta flip`,
    )
    .action(async (ckpt: string, overrides: string[], flags: ConfigFlags & { precision: string; tta?: string }) => {
      if (!(inferencePrecisions as readonly string[]).includes(flags.precision))
        throw new ConfigError(`${split}: expected --precision among ${inferencePrecisions.join(', ')}, but got '${flags.precision}'`);
      const tta = flags.tta === undefined ? null : (await import('../../export/tta.js')).parseTta(flags.tta, split);
      // The metrics go beside the run the checkpoint belongs to, wherever the checkpoint file sits in it.
      const runDir = runDirOf(ckpt);
      const { saved, config, sources } = evaluationConfig(runDir, overrides, flags);
      const builder = await import('../run-builder.js');
      await builder.loadComponents(flags.plugin);
      const { resolveRunPlan } = await import('../run-plan.js');
      const plan = resolveRunPlan({ config, sources, saved }, { runDir });
      const dm = builder.buildDataModule(plan);
      await dm.setup(split === 'validate' ? 'fit' : 'test');
      const module = builder.buildModule(plan, dm, { weightsFromCheckpoint: true });
      const { cuda } = await import('../../torch/index.js');
      const precision = evaluationPrecision(flags.precision as InferencePrecision, plan.trainer, { cuda: cuda.isAvailable() });
      const quiet = { ...plan.trainer, ...precision, enableCheckpointing: false, enableModelSummary: false };
      const trainer = builder.buildTrainer({ ...plan, trainer: quiet, callbacks: {}, logging: {} });
      const [metrics] =
        split === 'validate' ? await trainer.validate(module, dm, { ckptPath: ckpt }) : await trainer.test(module, dm, { ckptPath: ckpt });
      if (tta !== null)
        Object.assign(metrics, await ttaFigures(module, split === 'validate' ? dm.valLoader() : dm.testLoader(), tta, what));
      module.dispose();
      // Printed first: a run dir that refuses the file must not cost the user the figures.
      console.log(JSON.stringify(metrics, null, 2));
      const file = path.join(runDir, `${what}_metrics.json`);
      try {
        writeFileSync(file, `${JSON.stringify(metrics, null, 2)}\n`);
      } catch (error) {
        throw new SerializationError(
          `${split}: expected to write the metrics to ${file}, but got ${fsReason(error)}; they are printed above`,
          {
            cause: error,
          },
        );
      }
      console.error(`wrote ${file}`);
    });
}

/** Adds `validate` and `test` to the program. @example registerEvaluate(program); */
export function registerEvaluate(program: Command): void {
  registerOne(program, 'validate');
  registerOne(program, 'test');
}
