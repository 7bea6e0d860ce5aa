/**
 * The flags every command that composes a config takes: `--config-dir`,
 * `--config-name` and `--plugin`.
 *
 * @example
 * withConfigFlags(program.command('train')).action((overrides: string[], flags: ConfigFlags) => composeRunConfig({ ...flags, overrides }));
 */
import type { Command } from 'commander';

/** Options shared by the commands that compose a config. */
export interface ConfigFlags {
  configDir?: string;
  configName: string;
  /** Modules that register the user's own components. */
  plugin?: string[];
}

/** Adds `--config-dir` and `--config-name` to a command. @example withConfigFlags(program.command('train')); */
export function withConfigFlags(command: Command, configName = 'train'): Command {
  return command
    .option('--config-dir <dir>', "a config folder searched before the package's conf/ (your own groups and primary configs)")
    .option('--config-name <name>', 'the primary config', configName)
    .option(
      '--plugin <module>',
      'a module (file or package) that registers your own components; repeatable',
      (v: string, all: string[]) => [...all, v],
      [] as string[],
    );
}
