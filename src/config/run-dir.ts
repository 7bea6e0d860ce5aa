/**
 * Run directories, as Hydra writes them: the composed, resolved config and
 * the command line's overrides saved under `<dir>/.config/`, so a run can be
 * read back and repeated.
 *
 * @example
 * createRunDir('outputs/2026-11-26/17-40-00', { config, overrides: ['model=resnet50'] });
 * // outputs/2026-11-26/17-40-00/.config/config.yaml, .config/overrides.yaml
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';

/** What goes into a run directory's `.config/`. */
export interface RunDirContents {
  /** The composed, resolved config. */
  config: unknown;
  /** The overrides as typed. */
  overrides: readonly string[];
}

/** Creates `dir` and writes `.config/config.yaml` and `.config/overrides.yaml`; returns the absolute run dir. */
export function createRunDir(dir: string, contents: RunDirContents): string {
  const runDir = path.resolve(dir);
  const configDir = path.join(runDir, '.config');
  mkdirSync(configDir, { recursive: true });
  writeFileSync(path.join(configDir, 'config.yaml'), YAML.stringify(contents.config));
  writeFileSync(path.join(configDir, 'overrides.yaml'), YAML.stringify([...contents.overrides]));
  return runDir;
}

/**
 * The saved config of the run a checkpoint belongs to (`<run>/checkpoints/x.ckpt` → `<run>/.config/config.yaml`), or null.
 *
 * @example
 * runConfigOf('outputs/2026-11-26/17-40-00/checkpoints/last.ckpt');
 */
export function runConfigOf(checkpoint: string): { file: string; config: unknown } | null {
  for (const dir of [path.dirname(path.dirname(checkpoint)), path.dirname(checkpoint)]) {
    const file = path.join(dir, '.config', 'config.yaml');
    try {
      return { file, config: YAML.parse(readFileSync(file, 'utf8')) as unknown };
    } catch {
      // try the next place
    }
  }
  return null;
}
