/**
 * `classifier-training analyze` as a user runs it, on a tiny run trained by
 * the CLI (the user config dir and plugin of cli.test.ts) over generated
 * colour images, one class named with a comma, quotes and markup: the fit-end
 * callback's analysis, then `analyze` on the run dir and on a checkpoint
 * (val and test), the files, the report's section and the provenance entry;
 * and the usage errors that exit 2 and write nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseCsv } from '../../src/training/loggers/csv.js';
import { makeColourFolder } from './trainer-fixtures.js';

const bin = new URL('../../bin/classifier-training.js', import.meta.url).pathname;
const userConf = new URL('./cli-user-conf', import.meta.url).pathname;
const plugin = new URL('./cli-plugin.ts', import.meta.url).pathname;
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
const nasty = 'red, "rosso" <b>';

/** Every file under `dir` with its size and modification time. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const file = join(d, entry.name);
      if (entry.isDirectory()) walk(file);
      else out[relative(dir, file)] = `${statSync(file).size}@${statSync(file).mtimeMs}`;
    }
  };
  walk(dir);
  return out;
}

test('analyze: fit writes analysis/; analyze on the run dir and a checkpoint writes the files, the report section and provenance', async () => {
  const root = await makeColourFolder(6);
  for (const split of ['train', 'test']) renameSync(join(root, split, 'red'), join(root, split, nasty));
  try {
    const runDir = join(root, 'run');
    const trained = run(
      'train',
      '--config-dir',
      userConf,
      '--config-name',
      'tiny',
      '--plugin',
      plugin,
      `data.root=${root}`,
      `run.dir=${runDir}`,
    );
    assert.equal(trained.status, 0, trained.stderr);
    assert.match(trained.stderr, /val: 6 samples, accuracy/, 'the fit-end analysis logs its summary');
    const analysisDir = join(runDir, 'analysis');
    for (const f of ['analysis.json', 'per_class.csv', 'per_class.json', 'confused_pairs.csv', 'confusion.json', 'top_losses.csv'])
      assert.ok(existsSync(join(analysisDir, f)), `fit wrote analysis/${f}`);

    const out = run('analyze', runDir, '--plugin', plugin, '--top-k', '4');
    assert.equal(out.status, 0, out.stderr);
    assert.match(out.stdout, /^val: 6 samples, accuracy \d+\.\d%, mean loss \d\.\d{4}\nworst classes \(F1\): .*\nmost confused: /);
    const summary = JSON.parse(readFileSync(join(analysisDir, 'analysis.json'), 'utf8')) as {
      split: string;
      checkpoint: string;
      topLosses: { image: string | null; path: string }[];
    };
    assert.equal(summary.split, 'val');
    assert.match(summary.checkpoint, /checkpoints\/.*\.ckpt$/);
    assert.equal(summary.topLosses.length, 4);
    for (const t of summary.topLosses) {
      assert.ok(t.image !== null && existsSync(join(analysisDir, t.image)), `thumbnail of ${t.path}`);
      assert.ok(existsSync(t.path), 'the top loss names its file');
    }
    const perClass = parseCsv(readFileSync(join(analysisDir, 'per_class.csv'), 'utf8'));
    assert.deepEqual(
      perClass
        .slice(1)
        .map((r) => r[0])
        .sort(),
      ['blue', 'green', nasty].sort(),
    );
    const report = readFileSync(join(runDir, 'report.html'), 'utf8');
    assert.match(report, /<h2>History<\/h2>/, 'the page the run wrote, kept');
    assert.equal(report.match(/<h2 id="analysis">Analysis<\/h2>/g)?.length, 1);
    assert.match(report, /red, &#34;rosso&#34; &#60;b&#62;/);
    assert.doesNotMatch(report, /<b>/);
    assert.equal((report.match(/<img alt="top loss \d+" src="analysis\/top_losses\/\d+\.png">/g) ?? []).length, 4);
    const provenance = JSON.parse(readFileSync(join(runDir, '.config', 'provenance.json'), 'utf8')) as {
      runs: { command: string[]; status: string; data: { samples: Record<string, number> } }[];
    };
    const entry = provenance.runs.at(-1)!;
    assert.equal(entry.command[1], 'analyze');
    assert.equal(entry.status, 'success');
    assert.deepEqual(entry.data.samples, { val: 6 });

    const tested = run('analyze', join(runDir, 'checkpoints', 'last.ckpt'), '--plugin', plugin, '--split', 'test', '--top-k', '2');
    assert.equal(tested.status, 0, tested.stderr);
    assert.match(tested.stdout, /^test: 6 samples/);
    assert.equal((JSON.parse(readFileSync(join(analysisDir, 'analysis.json'), 'utf8')) as { split: string }).split, 'test');
    assert.equal(readdirSync(join(analysisDir, 'top_losses')).length, 2, "the earlier analysis's thumbnails are gone");

    const before = snapshot(root);
    const errors: [string[], RegExp][] = [
      [['analyze', runDir, '--split', 'train'], /expected --split among val, test, but got 'train'/],
      [['analyze', runDir, '--top-k', '-1'], /expected --top-k to be a non-negative integer/],
      [['analyze', join(root, 'train')], /expected a run directory with checkpoints\/ or a checkpoint file/],
      [['analyze', join(runDir, 'checkpoints', 'nope.ckpt')], /expected a run directory with checkpoints\/ or a checkpoint file/],
      [['analyze', runDir, 'data.valFraction=0'], /expected a val split with samples, but got none/],
    ];
    for (const [args, message] of errors) {
      const failed = run(...args, '--plugin', plugin);
      assert.equal(failed.status, 2, `${args.join(' ')}: ${failed.stderr}`);
      assert.match(failed.stderr, message);
    }
    assert.deepEqual(snapshot(root), before, 'a usage error writes nothing');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
