/**
 * The layering between training/ and models/: the Trainer knows a module
 * only through `TrainableModule`, so no file of src/training names a file of
 * src/models (type-only imports, `export ... from` and `import()` included),
 * and models/ sits below training/, so no file of src/models names one of
 * src/training. Tests may import both (they check that the two fit).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { ClassificationModule } from '../models/classification-module.js';
import { Linear } from '../torch/nn/index.js';
import type { TrainableModule } from './trainable-module.js';

const src = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Every import, type-only import, re-export and dynamic import specifier of a source text. */
function specifiers(source: string): string[] {
  return ts.preProcessFile(source, true, true).importedFiles.map((f) => f.fileName);
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.test-helper.ts'))
    .map((f) => path.join(dir, f));
}

/** `file -> specifier` for each relative specifier of the files under `from` that lands under `into`. */
function crossings(from: string, into: string): string[] {
  const found: string[] = [];
  for (const file of sourceFiles(from)) {
    for (const spec of specifiers(readFileSync(file, 'utf8'))) {
      if (!spec.startsWith('.')) continue;
      const target = path.resolve(path.dirname(file), spec);
      if (target === into || target.startsWith(into + path.sep)) found.push(`${path.relative(src, file)} -> ${spec}`);
    }
  }
  return found;
}

void test('the import scan sees type-only imports, re-exports and dynamic imports', () => {
  const text = [
    "import type { A } from '../models/a.js';",
    "export { B } from '../models/b.js';",
    "export type { C } from '../models/c.js';",
    "const d = await import('../models/d.js');",
    "import { E } from './e.js';",
  ].join('\n');
  assert.deepEqual(specifiers(text), ['../models/a.js', '../models/b.js', '../models/c.js', '../models/d.js', './e.js']);
});

void test('no file of src/training imports src/models, and none of src/models imports src/training', () => {
  const training = path.join(src, 'training');
  const models = path.join(src, 'models');
  assert.ok(sourceFiles(training).length > 50, 'expected to scan the files of src/training');
  assert.deepEqual(crossings(training, models), []);
  assert.deepEqual(crossings(models, training), []);
});

void test('ClassificationModule is a TrainableModule without either importing the other', () => {
  const module: TrainableModule = new ClassificationModule(new Linear(4, 3), { numClasses: 3, classNames: ['a', 'b', 'c'] });
  try {
    assert.equal(module.numClasses, 3);
    assert.deepEqual(module.classNames, ['a', 'b', 'c']);
    assert.equal(module.useClassWeights, true);
    assert.equal(module.summaryModule instanceof Linear, true);
  } finally {
    module.dispose();
  }
});
