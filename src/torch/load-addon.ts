/**
 * Loads one of this project's compiled addons from build/Release (or
 * build/Debug), or throws one message that lists what was tried and the fixes.
 *
 * @example
 * const binding = loadAddon<MyBinding>('classifier_training_image.node', 'the image addon', ['npm run build:native']);
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The addon `file` (e.g. 'classifier_training.node'), typed as T; `what` and `fixes` word the error. */
export function loadAddon<T>(file: string, what: string, fixes: readonly string[]): T {
  const require = createRequire(import.meta.url);
  const errors: string[] = [];
  for (const build of ['Release', 'Debug']) {
    const path = join(root, 'build', build, file);
    if (!existsSync(path)) {
      errors.push(`${path}: not found`);
      continue;
    }
    try {
      return require(path) as T;
    } catch (error) {
      errors.push(`${path}: ${(error as Error).message}`);
    }
  }
  throw new Error(
    [
      `classifier-training: could not load ${what}.`,
      'Tried:',
      ...errors.map((e) => `  - ${e}`),
      'Possible fixes:',
      ...fixes.map((f) => `  - ${f}`),
    ].join('\n'),
  );
}
