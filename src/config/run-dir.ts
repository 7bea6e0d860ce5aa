/**
 * Run directories, as Hydra writes them: the composed config (with
 * `${env:...}` left as written, so secrets stay out of files) and the
 * command line's overrides saved under `<dir>/.config/`, so a run can be
 * read back, repeated and resumed. A run dir is made only once a command has
 * passed every check; a failure to make it names the folder and the reason.
 *
 * @example
 * createRunDir('outputs/2026-11-26/17-40-00', { config, overrides: ['model=resnet50'] });
 * // outputs/2026-11-26/17-40-00/.config/config.yaml, .config/overrides.yaml
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { ConfigError, fsReason } from '../errors.js';

/** What goes into a run directory's `.config/`. */
export interface RunDirContents {
  /** The composed config in its saved form. */
  config: unknown;
  /** The overrides as typed. */
  overrides: readonly string[];
}

/**
 * Creates `dir` and writes `.config/config.yaml` and `.config/overrides.yaml`;
 * returns the absolute run dir. A file system that refuses is a ConfigError on `run.dir`.
 */
export function createRunDir(dir: string, contents: RunDirContents): string {
  const runDir = path.resolve(dir);
  const configDir = path.join(runDir, '.config');
  let step = `create the run folder ${configDir}`;
  try {
    mkdirSync(configDir, { recursive: true });
    for (const [name, value] of [
      ['config.yaml', contents.config],
      ['overrides.yaml', [...contents.overrides]],
    ] as const) {
      step = `write ${path.join(configDir, name)}`;
      writeFileSync(path.join(configDir, name), YAML.stringify(value));
    }
  } catch (error) {
    const message = `run: expected to ${step}, but got ${fsReason(error)}; set run.dir to a folder you can write`;
    throw new ConfigError(message, [{ path: 'run.dir', message }], { cause: error });
  }
  return runDir;
}

/**
 * The run directory a checkpoint belongs to: the nearest folder above it
 * (up to three levels) holding `.config/config.yaml`; else the folder above
 * a `checkpoints/` folder; else the checkpoint's own folder.
 *
 * @example
 * runDirOf('outputs/r1/checkpoints/last.ckpt'); // '/abs/outputs/r1'
 * runDirOf('copies/last.ckpt'); // '/abs/copies'
 */
export function runDirOf(checkpoint: string): string {
  const own = path.dirname(path.resolve(checkpoint));
  for (let dir = own, i = 0; i < 3; i++, dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, '.config', 'config.yaml'))) return dir;
  }
  return path.basename(own) === 'checkpoints' ? path.dirname(own) : own;
}

/** Whether `target` is a folder (a run dir given to `--resume`) rather than a file. */
export function isFolder(target: string): boolean {
  try {
    return statSync(target).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The saved config of the run a checkpoint belongs to (see `runDirOf`), or null.
 *
 * @example
 * runConfigOf('outputs/2026-11-26/17-40-00/checkpoints/last.ckpt');
 */
export function runConfigOf(checkpoint: string): { file: string; config: unknown } | null {
  return savedRunConfig(runDirOf(checkpoint));
}

/**
 * A run dir's `.config/config.yaml` and `overrides.yaml`, or null when it has no saved config.
 *
 * @example
 * savedRunConfig('outputs/r1')?.config;
 */
export function savedRunConfig(runDir: string): { file: string; config: unknown; overrides: string[] } | null {
  const file = path.join(runDir, '.config', 'config.yaml');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  let overrides: string[] = [];
  try {
    const parsed = YAML.parse(readFileSync(path.join(runDir, '.config', 'overrides.yaml'), 'utf8')) as unknown;
    if (Array.isArray(parsed)) overrides = parsed.map(String);
  } catch {
    // no overrides saved: none were typed
  }
  try {
    return { file, config: YAML.parse(text) as unknown, overrides };
  } catch (error) {
    throw new ConfigError(`run: expected YAML in ${file}, but got ${(error as Error).message}`, [], { cause: error });
  }
}
