/**
 * Errors a hostile user provokes must read as the project's errors: a file
 * that cannot be written names the path, the operation and the reason; a
 * config that exhausts a limit (alias bombs, thousands of nested brackets)
 * or a plugin that cannot be imported is a usage error (exit 2, one line);
 * and every zod issue reads `expected <X>, but got <Y>` without zod's own
 * "Invalid input" phrasing or NaN printed as null.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { applyOverrides, formatConfigError, parseOverride, shellConfigSchema, validateConfig } from '../../src/config/index.js';
import { loadYamlText } from '../../src/config/load-yaml.js';
import { MAX_OVERRIDE_NESTING } from '../../src/config/override-parser.js';
import { ConfigError, SerializationError } from '../../src/errors.js';
import { composeRunConfig } from '../../src/cli/compose-run-config.js';
import { main } from '../../src/cli/main.js';
import { CSVLogger } from '../../src/training/loggers/csv-logger.js';
import { JSONLLogger } from '../../src/training/loggers/jsonl-logger.js';
import { TensorBoardLogger } from '../../src/training/loggers/tensorboard-logger.js';
import { EventFileWriter } from '../../src/training/loggers/tfevents/event-file-writer.js';
import { writeFileReplacing } from '../../src/training/plots/write-file-replacing.js';

const bin = new URL('../../bin/classifier-training.js', import.meta.url).pathname;
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

/** The CLI in this process (libtorch loads once for every test): its exit code and what it printed with console.error. */
async function cli(...args: string[]): Promise<{ status: number; stderr: string }> {
  const lines: string[] = [];
  const original = console.error;
  console.error = (...parts: unknown[]) => void lines.push(parts.map(String).join(' '));
  try {
    const status = await main(['node', 'classifier-training', ...args]);
    return { status, stderr: lines.map((l) => `${l}\n`).join('') };
  } finally {
    console.error = original;
  }
}

/** A temporary folder holding a regular file `file`: paths under it fail with ENOTDIR, even as root. */
function withBlockingFile(body: (dir: string, file: string) => Promise<void> | void): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ct-errors-'));
    const file = join(dir, 'file');
    writeFileSync(file, 'x');
    try {
      await body(dir, file);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

/** A one-line CLI error (no stack trace) with exit `status`. */
function oneLineError(out: { status: number | null; stderr: string }, status: number, pattern: RegExp): void {
  assert.equal(out.status, status, out.stderr);
  assert.doesNotMatch(out.stderr, /^\s+at /m, 'no stack trace');
  assert.match(out.stderr, pattern);
}

const ENOTDIR = /ENOTDIR \(a file where a folder was expected\)/;

// 26. Raw file-system errors.

void test(
  '26. config schema --out under a file or in a missing folder names the path and the reason, and leaves nothing behind',
  withBlockingFile(async (dir, file) => {
    const blocked = join(file, 'schema.json');
    oneLineError(
      await cli('config', 'schema', '--out', blocked),
      1,
      /^error: config schema: expected to write .*file\/schema\.json, but got ENOTDIR/m,
    );
    const missing = join(dir, 'missing', 'schema.json');
    oneLineError(
      await cli('config', 'schema', '--out', missing),
      1,
      /expected to write .*missing\/schema\.json, but got ENOENT \(no such file/,
    );
    assert.deepEqual(readdirSync(dir), ['file'], 'no folder, no temporary file');
  }),
);

/** `open` for EventFileWriter whose handle fails its writes with `writeCode` and its close with `closeCode`. */
function failingOpen(writeCode: string | null, closeCode: string | null) {
  const fail = (code: string) => Promise.reject(Object.assign(new Error(`${code}: injected`), { code }));
  const handle = {
    appendFile: () => (writeCode === null ? Promise.resolve() : fail(writeCode)),
    sync: () => Promise.resolve(),
    close: () => (closeCode === null ? Promise.resolve() : fail(closeCode)),
  };
  return (_path: string, _flags: string) => Promise.resolve(handle as unknown as FileHandle);
}

void test(
  '26. an event file whose write fails with ENOSPC reports that first error from close, with the close failure added',
  withBlockingFile(async (dir) => {
    const writer = await EventFileWriter.create(dir, { open: failingOpen('ENOSPC', 'EIO') });
    writer.addEvent({ step: 1, summary: { value: [{ tag: 'loss', simpleValue: 1 }] } });
    await assert.rejects(writer.close(), (error: unknown) => {
      assert.ok(error instanceof SerializationError, String(error));
      assert.match(error.message, /^EventFileWriter: expected to append to .*events\.out\.tfevents\.\S+, but got ENOSPC \(no space left/);
      assert.match(error.message, /; closing the file then failed too: EIO$/);
      return true;
    });
    const closing = await EventFileWriter.create(dir, { open: failingOpen(null, 'EIO') });
    await assert.rejects(closing.close(), /EventFileWriter: expected to close .*events\.out\.tfevents\.\S+, but got EIO/);
  }),
);

void test(
  '26. the CSV, JSONL and TensorBoard loggers name the path, the operation and the reason of a file-system error',
  withBlockingFile(async (dir, file) => {
    const blocked = join(file, 'run');
    const refuses = (logger: string, operation: string) => (error: unknown) => {
      assert.ok(error instanceof SerializationError, String(error));
      assert.match(error.message, new RegExp(`^${logger}: expected to ${operation} .*file/run`));
      assert.match(error.message, ENOTDIR);
      return true;
    };
    await assert.rejects(new CSVLogger().setup(blocked, { resumed: false }), refuses('CSVLogger', 'create the folder of'));
    await assert.rejects(new JSONLLogger().setup(blocked, { resumed: false }), refuses('JSONLLogger', 'create the folder of'));
    await assert.rejects(new TensorBoardLogger().setup(blocked, { resumed: false }), refuses('EventFileWriter', 'create the folder'));
    // The run folder turns into a file after setup: the next flush fails on the write itself.
    const runDir = join(dir, 'run');
    const csv = new CSVLogger();
    const jsonl = new JSONLLogger();
    await csv.setup(runDir, { resumed: false });
    await jsonl.setup(runDir, { resumed: false });
    rmSync(runDir, { recursive: true });
    writeFileSync(runDir, 'x');
    await csv.logMetrics({ loss: 1 }, { step: 1, epoch: 0 });
    await jsonl.logMetrics({ loss: 1 }, { step: 1, epoch: 0 });
    await assert.rejects(csv.flush(), /^SerializationError: CSVLogger: expected to write .*run\/metrics\.csv, but got ENOTDIR/);
    await assert.rejects(jsonl.flush(), /^SerializationError: JSONLLogger: expected to append to .*run\/metrics\.jsonl, but got ENOTDIR/);
  }),
);

void test(
  '26. a plot or report that cannot be written names its path and the reason, and leaves no temporary file',
  withBlockingFile(async (dir, file) => {
    await assert.rejects(writeFileReplacing(join(file, 'plots', 'curves.png'), 'png'), (error: unknown) => {
      assert.ok(error instanceof SerializationError, String(error));
      assert.match(error.message, /expected to create the folder of .*file\/plots\/curves\.png, but got ENOTDIR/);
      return true;
    });
    mkdirSync(join(dir, 'report.html'));
    await assert.rejects(
      writeFileReplacing(join(dir, 'report.html'), '<html>'),
      /expected to rename a temporary file over .*report\.html, but got EISDIR/,
    );
    assert.deepEqual(readdirSync(dir).sort(), ['file', 'report.html'], 'no temporary file left');
  }),
);

// 27. Config limits and plugins.

const aliasBomb = [
  'a: &a [x, x, x, x, x, x, x, x, x]',
  'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]',
  'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]',
  'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]',
].join('\n');

void test('27. a YAML alias bomb is a config error naming the file (exit 2), not a bare ReferenceError', () => {
  assert.throws(
    () => loadYamlText(aliasBomb, 'conf/bomb.yaml'),
    (error: unknown) => error instanceof ConfigError && /conf\/bomb\.yaml, but got more than 100 alias expansions/.test(error.message),
  );
  const dir = mkdtempSync(join(tmpdir(), 'ct-errors-'));
  try {
    writeFileSync(join(dir, 'bomb.yaml'), `defaults:\n  - train\n  - _self_\n${aliasBomb}\n`);
    oneLineError(
      run('config', 'show', '--config-dir', dir, '--config-name', 'bomb'),
      2,
      /bomb\.yaml, but got more than 100 alias expansions/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

void test('27. a YAML alias that contains itself is a config error at its key, not an endless recursion', () => {
  for (const [text, key] of [
    ['x: &a [1, *a]\n', 'x[1]'],
    ['x: &a {k: *a}\n', 'x.k'],
  ]) {
    assert.throws(
      () => loadYamlText(text, 'conf/loop.yaml'),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.issues[0].path === key &&
        error.issues[0].location === 'conf/loop.yaml:1' &&
        /aliases do not contain themselves in conf\/loop\.yaml/.test(error.message),
    );
  }
  assert.deepEqual(loadYamlText('a: &a {k: 1}\nb: *a\n', 'shared.yaml').value, { a: { k: 1 }, b: { k: 1 } }, 'a shared alias is fine');
});

void test('27. YAML nested deeper than the parser can follow says so instead of "Maximum call stack size exceeded"', () => {
  assert.throws(
    () => loadYamlText(`x: ${'['.repeat(5000)}${']'.repeat(5000)}\n`, 'conf/deep.yaml'),
    (error: unknown) =>
      error instanceof ConfigError &&
      /conf\/deep\.yaml, but got: nesting too deep to parse/.test(error.message) &&
      !/stack/.test(error.message),
  );
});

void test('27. a 5,000-deep override is refused at the nesting limit with a short message; the limit itself parses', async () => {
  const deep = `a=${'['.repeat(5000)}${']'.repeat(5000)}`;
  assert.throws(
    () => parseOverride(deep),
    (error: unknown) =>
      error instanceof ConfigError &&
      error.message.includes(`expected at most ${MAX_OVERRIDE_NESTING} nested lists and dicts`) &&
      error.message.length < 300,
  );
  const limit = `a=${'['.repeat(MAX_OVERRIDE_NESTING)}${']'.repeat(MAX_OVERRIDE_NESTING)}`;
  assert.equal(JSON.stringify(parseOverride(limit).value), '['.repeat(MAX_OVERRIDE_NESTING) + ']'.repeat(MAX_OVERRIDE_NESTING));
  oneLineError(await cli('config', 'show', deep), 2, /expected at most 100 nested lists and dicts/);
  // A key of thousands of parts nests the config as deep, which printing and saving it cannot follow.
  const longKey = `+${Array.from({ length: 5000 }, () => 'a').join('.')}=1`;
  assert.throws(() => parseOverride(longKey), /expected a key of at most 100 parts at column 2, but got 5000$/);
  oneLineError(await cli('config', 'show', longKey), 2, /expected a key of at most 100 parts/);
});

void test('27. an override thousands of characters long is shown by its start in the config error', () => {
  const nested = `+x=${'${'.repeat(3000)}x${'}'.repeat(3000)}`;
  assert.throws(
    () => composeRunConfig({ overrides: [nested] }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      const text = formatConfigError(error);
      assert.match(text, /^x: interpolation: expected no cycle, but got x -> x \(override '\+x=\$\{\$\{.*…' \(9004 characters\)\)$/);
      assert.ok(text.length < 300, `${text.length} characters`);
      return true;
    },
  );
});

void test(
  '27. a --plugin that is missing, a folder, a syntax error or throws at import is a one-line usage error (exit 2)',
  withBlockingFile(async (dir) => {
    mkdirSync(join(dir, 'folder'));
    writeFileSync(join(dir, 'syntax.mjs'), 'export const x = ;\n');
    writeFileSync(join(dir, 'throws.mjs'), "throw new Error('no GPU here');\n");
    const cases: [string, RegExp][] = [
      [join(dir, 'missing.mjs'), /but got no such file \(.*missing\.mjs\)$/],
      ['no-such-plugin-package', /but got no such package or file$/],
      [join(dir, 'folder'), /but got a folder \(name the module file inside it\)$/],
      [join(dir, 'syntax.mjs'), /but got a syntax error: Unexpected token ';'$/],
      [join(dir, 'throws.mjs'), /but got an error while importing it: Error: no GPU here$/],
    ];
    for (const [plugin, reason] of cases) {
      const out = await cli('config', 'schema', '--plugin', plugin);
      oneLineError(out, 2, /^error: --plugin .*: expected a module that registers components, but got /);
      assert.equal(out.stderr.trim().split('\n').length, 1, out.stderr);
      assert.ok(out.stderr.includes(plugin), out.stderr);
      assert.match(out.stderr.trim(), reason);
    }
  }),
);

// 28. How zod issues read.

void test('28. NaN and Infinity are named ("expected a finite number, but got NaN"), not printed as null', () => {
  const composed = composeRunConfig({ overrides: ['data.batchSize=.nan', 'trainer.maxEpochs=1e309'] });
  const schema = z.object({ data: z.object({ batchSize: z.number() }), trainer: z.object({ maxEpochs: z.int() }) });
  assert.throws(
    () => validateConfig(composed.config, schema, composed.sources),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      const byPath = new Map(error.issues.map((i) => [i.path, i.message]));
      assert.equal(byPath.get('data.batchSize'), 'expected a finite number, but got NaN');
      assert.equal(byPath.get('trainer.maxEpochs'), 'expected a finite number, but got Infinity');
      return true;
    },
  );
});

void test('28. choosing a config group where only keys can be set says so (test <ckpt> model=resnet18)', async () => {
  const config = composeRunConfig().config;
  const sources = new Map();
  applyOverrides(config, sources, [parseOverride('model=resnet18')]);
  assert.throws(
    () => validateConfig(config, shellConfigSchema(), sources),
    /model: expected a mapping, but got string "resnet18" \(a config group cannot be chosen here: only its keys can be set, e\.g\. `model\.<key>=\.\.\.`\)/,
  );
  const dir = mkdtempSync(join(tmpdir(), 'ct-errors-'));
  try {
    mkdirSync(join(dir, '.config'));
    writeFileSync(join(dir, '.config', 'config.yaml'), YAML.stringify(composeRunConfig().config));
    const out = await cli('test', join(dir, 'checkpoints', 'last.ckpt'), 'model=resnet18');
    oneLineError(out, 2, /model: expected a mapping, but got string "resnet18" \(a config group cannot be chosen here/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

void test("28. every other zod issue kind reads 'expected <X>, but got <Y>' without zod's own phrasing", () => {
  const schema = z.strictObject({
    small: z.number().int().min(1),
    fraction: z.int(),
    name: z.string().min(1),
    pattern: z.string().regex(/^[a-z]+$/),
    prefix: z.string().startsWith('run-'),
    step: z.number().multipleOf(4),
    either: z.union([z.number(), z.array(z.number())]),
    component: z.union([z.strictObject({ name: z.literal('a') }), z.strictObject({ name: z.literal('b') })]),
    keys: z.record(z.string().min(2), z.number()),
    list: z.array(z.number()).max(1),
    checked: z.number().refine((v) => v > 1, 'above one'),
    seed: z.int('expected an integer seed'),
    one: z.literal(3),
  });
  const config = {
    small: 0,
    fraction: 1.5,
    name: '',
    pattern: 'A',
    prefix: 'x',
    step: 5,
    either: true,
    component: { name: 'c' },
    keys: { k: 1 },
    list: [1, 2],
    checked: 0,
    seed: 'x',
    one: 4,
  };
  assert.throws(
    () => validateConfig(config, schema),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      const byPath = Object.fromEntries(error.issues.map((i) => [i.path, i.message]));
      assert.deepEqual(byPath, {
        small: 'expected number to be >=1, but got number 0',
        fraction: 'expected an integer, but got number 1.5',
        name: 'expected a string of at least 1 character, but got string ""',
        pattern: 'expected a string matching /^[a-z]+$/, but got string "A"',
        prefix: 'expected a string starting with "run-", but got string "x"',
        step: 'expected a multiple of 4, but got number 5',
        either: 'expected number or a list, but got boolean true',
        component: 'expected a mapping whose `name` is one of a, b, but got a mapping with keys name',
        'keys.k': 'expected a key that is a string of at least 2 characters, but got the key `k`',
        list: 'expected a list of at most 1 item, but got a list [1,2]',
        checked: 'expected a valid value (above one), but got number 0',
        seed: 'expected an integer seed, but got string "x"',
        one: 'expected 3, but got number 4',
      });
      return true;
    },
  );
});
