/**
 * `classifier-training weights list` and `weights download <id...>`: the
 * known pretrained weights (torchvision's ids, each with its file, eval
 * transforms and where it is found on this machine), and fetching them ahead
 * of a run (into torch's hub cache, as `train` would), for a machine that
 * trains offline later.
 *
 * @example
 * registerWeights(program); // classifier-training weights download convnext_tiny.imagenet1k_v1
 */
import type { Command } from 'commander';
import { ConfigError } from '../../errors.js';

/** What both subcommands take. */
interface WeightsFlags {
  weightsDir?: string;
}

/** A run's default `model.weightsDir` (conf/data/image_folder.yaml), so both commands see what `train` would find. */
const runWeightsDir = (flags: WeightsFlags): string => flags.weightsDir ?? (process.env.CLASSIFIER_TRAINING_WEIGHTS_DIR || 'weights');

const weightsDirHelp = "looked in first (default: $CLASSIFIER_TRAINING_WEIGHTS_DIR or ./weights, as a run's model.weightsDir)";

/** Known ids: importing the models registers every family's. */
const known = () => import('../../models/index.js');

const describe = (t: { resizeSize: number; cropSize: number; interpolation: string }): string =>
  `resize ${t.resizeSize} ${t.interpolation}, crop ${t.cropSize}`;

/** Adds `weights list` and `weights download` to the program; returns `weights`. @example registerWeights(program); */
export function registerWeights(program: Command): Command {
  const weights = program
    .command('weights')
    .description('list the known pretrained weights, download them ahead of a run')
    .addHelpText(
      'after',
      `
Files are looked for in --weights-dir (a run's model.weightsDir: ./weights or $CLASSIFIER_TRAINING_WEIGHTS_DIR), then $TORCH_HOME/hub/checkpoints
(default ~/.cache/torch/hub/checkpoints, shared with torchvision), then ~/.cache/classifier-training/weights;
downloads go into the torch hub cache, from https://download.pytorch.org/models/ or the mirror named by
CLASSIFIER_TRAINING_WEIGHTS_URL, through HTTPS_PROXY / HTTP_PROXY / NO_PROXY.`,
    );
  weights
    .command('list')
    .description('print every known weights id, its file, its eval transforms and where it is found (or "missing")')
    .option('--weights-dir <dir>', weightsDirHelp)
    .action(async (flags: WeightsFlags) => {
      const { pretrainedWeights, findPretrained } = await known();
      for (const id of Object.keys(pretrainedWeights).sort()) {
        const entry = pretrainedWeights[id];
        const where = findPretrained(id, { weightsDir: runWeightsDir(flags) }) ?? 'missing';
        console.log(`${id}\t${entry.file}\t${describe(entry.transforms)}\t${where}`);
      }
    });
  weights
    .command('download')
    .description('download weights into the torch hub cache (skipped when a folder already has them), verified')
    .argument('<ids...>', 'known ids, e.g. resnet50.imagenet1k_v2 convnext_tiny.imagenet1k_v1 (see weights list)')
    .option('--weights-dir <dir>', weightsDirHelp)
    .option('--timeout <ms>', 'idle timeout of the connection in ms', '30000')
    .addHelpText('after', '\nExamples:\n  classifier-training weights download resnet50.imagenet1k_v2\n  classifier-training weights list')
    .action(async (ids: string[], flags: WeightsFlags & { timeout: string }) => {
      const timeoutMs = Number(flags.timeout);
      if (!Number.isInteger(timeoutMs) || timeoutMs <= 0)
        throw new ConfigError(`weights download: expected --timeout in ms (a positive integer), but got '${flags.timeout}'`);
      const { fetchPretrained, pretrainedEntry } = await known();
      for (const id of ids) pretrainedEntry(id, 'weights download');
      for (const id of ids) {
        const { path, downloaded } = await fetchPretrained(id, { weightsDir: runWeightsDir(flags), timeoutMs });
        console.log(`${id}\t${path}\t${downloaded ? 'downloaded' : 'already there'}`);
      }
    });
  return weights;
}
