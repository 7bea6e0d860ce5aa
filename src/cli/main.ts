/**
 * The `classifier-training` command line. Each command lives in its own file
 * under commands/ and registers itself on the program.
 *
 * @example
 * classifier-training doctor
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { ClassifierTrainingError } from '../errors.js';
import { register as registerDataCheck } from './commands/data-check.js';
import { registerDoctor } from './commands/doctor.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string; description: string };

/** Builds the program with every command registered. */
export function buildProgram(): Command {
  const program = new Command('classifier-training')
    .description(pkg.description)
    .version(pkg.version, '-V, --version')
    .showHelpAfterError()
    .exitOverride();
  registerDoctor(program);
  registerDataCheck(program);
  return program;
}

/** Runs the CLI; returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    // Commands report problems found (doctor, data check) through process.exitCode.
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof ClassifierTrainingError) {
      console.error(`error: ${error.message}`);
      return 1;
    }
    throw error;
  }
}
