/**
 * The `classifier-training` command line. Each command lives in its own file
 * under commands/ and registers itself on the program. Nothing here loads
 * libtorch: commands import what they run when they run, so a config or
 * usage error exits 2 at once. Exit codes: 0 ok, 1 failure, 2 usage or
 * config error, 130 / 143 interrupted (SIGINT / SIGTERM, checkpoint saved).
 * Logs go to stderr, results to stdout.
 *
 * @example
 * classifier-training train model=resnet50 trainer.maxEpochs=30
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { formatConfigError } from '../config/index.js';
import { ClassifierTrainingError, ConfigError } from '../errors.js';
import { registerAnalyze } from './commands/analyze.js';
import { registerConfig } from './commands/config.js';
import { registerDashboard } from './commands/dashboard.js';
import { registerDataStats } from './commands/data-stats.js';
import { registerEvaluate } from './commands/evaluate.js';
import { registerExport } from './commands/export.js';
import { registerPredict } from './commands/predict.js';
import { registerTrain } from './commands/train.js';
import { registerTune } from './commands/tune.js';
import { registerWeights } from './commands/weights.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string; description: string };

/** Exit code of a usage or config error. */
export const USAGE_ERROR = 2;

/**
 * Builds the program with every command registered. `doctor` and `data
 * check` load libtorch when their module is imported, so they are imported
 * only when `argv` runs them (a stub lists them in `--help` otherwise).
 *
 * @example
 * await (await buildProgram(process.argv)).parseAsync(process.argv);
 */
export async function buildProgram(argv: readonly string[] = []): Promise<Command> {
  const program = new Command('classifier-training')
    .description(pkg.description)
    .version(pkg.version, '-V, --version')
    .showHelpAfterError()
    .exitOverride();
  const runs = (...names: string[]): boolean => names.every((n, i) => argv[2 + i] === n);
  registerTrain(program);
  registerTune(program);
  registerEvaluate(program);
  registerAnalyze(program);
  registerPredict(program);
  registerExport(program);
  registerConfig(program);
  registerDashboard(program);
  const weights = registerWeights(program);
  if (runs('doctor')) (await import('./commands/doctor.js')).registerDoctor(program);
  else program.command('doctor').description('check libtorch, threads, BLAS speed, the JPEG decoder, CPU features and CUDA');
  const data = program.command('data').description('inspect data sets');
  if (runs('data', 'check')) (await import('./commands/data-check.js')).register(program);
  else data.command('check').argument('<root>').description('report unreadable images, empty classes, duplicates across splits and counts');
  registerDataStats(program);
  for (const command of [program, ...program.commands, ...data.commands, ...weights.commands]) command.exitOverride();
  return program;
}

/** Runs the CLI; returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  try {
    await (await buildProgram(argv)).parseAsync(argv);
    // Commands report problems found (doctor, data check) through process.exitCode.
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : USAGE_ERROR;
    if (error instanceof ConfigError) {
      console.error(`error: ${error.issues.length > 0 ? 'invalid config' : error.message}`);
      if (error.issues.length > 0) console.error(formatConfigError(error));
      return USAGE_ERROR;
    }
    if (error instanceof ClassifierTrainingError) {
      console.error(`error: ${error.message}`);
      return 1;
    }
    throw error;
  }
}
