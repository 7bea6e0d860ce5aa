/**
 * The package as a user installs it: `npm pack`, then in a fresh project with no tsx
 * (`"type": "module"`), `npm install <tarball>` (the addon builds against the system
 * libtorch, as for any user), and there:
 *   1. the README's JavaScript tour runs as a plain .mjs under Node;
 *   2. the README's TypeScript tour type-checks with `tsc --strict --noEmit` against the
 *      shipped .d.ts, and `Trainer`, `models`, `data`, `torch`, `callbacks` are not `any`;
 *   3. the installed CLI trains one epoch on a tiny generated image folder, exports and predicts.
 * The tarball's file list is checked first (no tests, benches, fixtures or CI files).
 * Minutes, not seconds (the addon compiles): `.ci/run` runs it after `npm test`.
 *
 *   node --import tsx test/package/pack-install.ts            # -- --link: link the checkout instead (fast, for development)
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const checkout = fileURLToPath(new URL('../..', import.meta.url));
const link = process.argv.includes('--link');
const project = mkdtempSync(join(tmpdir(), 'ct-package-'));
const env = { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip', npm_config_audit: 'false', npm_config_fund: 'false' };

function step(name: string, command: string, args: string[], options: { cwd?: string } = {}): string {
  const started = Date.now();
  const out = spawnSync(command, args, { cwd: options.cwd ?? project, env, encoding: 'utf8', maxBuffer: 64 << 20 });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (out.status !== 0) throw new Error(`${name}: exit ${out.status} after ${seconds} s\n${out.stdout}\n${out.stderr}`);
  console.log(`ok  ${name} (${seconds} s)`);
  return out.stdout;
}

/** The code block after a `<!-- tour:<kind> -->` marker in the README. */
function readmeBlock(kind: string): string {
  const readme = readFileSync(join(checkout, 'README.md'), 'utf8');
  const match = new RegExp(`<!-- tour:${kind} -->\\n\`\`\`\\w+\\n([\\s\\S]*?)\`\`\``).exec(readme);
  assert.ok(match, `README has a tour:${kind} block`);
  return match[1];
}

async function shapesFolder(root: string): Promise<void> {
  const colours = { red: [220, 30, 30], green: [30, 200, 40], blue: [30, 40, 220] } as const;
  for (const [name, [r, g, b]] of Object.entries(colours)) {
    mkdirSync(join(root, 'train', name), { recursive: true });
    mkdirSync(join(root, 'test', name), { recursive: true });
    for (let i = 0; i < 8; i++) {
      const image = sharp({ create: { width: 20 + i, height: 24, channels: 3, background: { r: r - i * 3, g: g + i, b } } });
      await image.png().toFile(join(root, i < 6 ? 'train' : 'test', name, `${i}.png`));
    }
  }
}

function checkTarballFiles(tarball: string): void {
  const listing = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean);
  const bad = listing.filter((f) => /^package\/(test|bench|examples|\.ci|scripts\/fixtures)\//.test(f) || /\.test\.|test-helper/.test(f));
  assert.deepEqual(bad, [], 'no tests, benches, fixtures or CI files in the tarball');
  for (const needed of [
    'package/dist/index.js',
    'package/dist/index.d.ts',
    'package/binding.gyp',
    'package/conf/train.yaml',
    'package/LICENSE',
  ])
    assert.ok(listing.includes(needed), `the tarball holds ${needed}`);
  console.log(`ok  tarball: ${listing.length} files`);
}

try {
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'tour', private: true, type: 'module' }, null, 2));
  if (link) {
    mkdirSync(join(project, 'node_modules'), { recursive: true });
    symlinkSync(checkout, join(project, 'node_modules', 'classifier-training'));
  } else {
    const packed = step('npm pack', 'npm', ['pack', '--pack-destination', project], { cwd: checkout }).trim().split('\n').pop()!;
    const tarball = join(project, packed);
    checkTarballFiles(tarball);
    step('npm install <tarball>', 'npm', ['install', tarball]);
    assert.ok(!readdirSync(join(project, 'node_modules')).includes('tsx'), 'no tsx in the user project');
  }
  await shapesFolder(join(project, 'data', 'shapes'));

  writeFileSync(join(project, 'tour.mjs'), readmeBlock('mjs'));
  const tour = step('README tour as .mjs', process.execPath, ['tour.mjs']);
  assert.match(tour, /one step: loss \d/);

  const typed = `${readmeBlock('ts')}
// Not in the README: the public names must carry real types.
import { callbacks } from 'classifier-training';
type IsAny<T> = 0 extends 1 & T ? true : false;
const notAny: [IsAny<typeof Trainer>, IsAny<typeof models>, IsAny<typeof data>, IsAny<typeof torch>, IsAny<typeof callbacks>] = [false, false, false, false, false];
const fitReturns: IsAny<ReturnType<Trainer['fit']>> = false;
const model: IsAny<ReturnType<typeof models.resnet18>> = false;
console.log(notAny, fitReturns, model);
`;
  writeFileSync(join(project, 'tour.ts'), typed);
  const types = join(checkout, 'node_modules', '@types');
  writeFileSync(
    join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        noEmit: true,
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        types: ['node'],
        typeRoots: [types],
        skipLibCheck: true,
      },
      files: ['tour.ts'],
    }),
  );
  step('README tour as .ts: tsc --strict --noEmit', process.execPath, [
    join(checkout, 'node_modules', 'typescript', 'bin', 'tsc'),
    '-p',
    '.',
  ]);

  const cli = link ? join(checkout, 'bin', 'classifier-training.js') : join(project, 'node_modules', '.bin', 'classifier-training');
  const common = ['data=image_folder', 'data.root=data/shapes', 'data.imageSize=16', 'data.resizeSize=20', 'data.batchSize=4'];
  const trainOut = step('installed CLI: train', cli, [
    'train',
    ...common,
    'model.stem=small',
    'model.pretrained=null',
    'trainer=local',
    'trainer.maxEpochs=1',
    'trainer.enableCheckpointing=true',
    'trainer.enableProgressBar=false',
    'run.dir=runs/cli',
  ]);
  const { runDir } = JSON.parse(trainOut) as { runDir: string };
  step('installed CLI: export', cli, ['export', join(runDir, 'checkpoints', 'last.ckpt'), '--out', 'model.onnx']);
  const predicted = step('installed CLI: predict', cli, [
    'predict',
    join('data', 'shapes', 'test'),
    '--model',
    'model.onnx',
    '--top-k',
    '2',
  ]);
  assert.match(predicted, /red|green|blue/);
  console.log('package: every check passed');
} finally {
  rmSync(project, { recursive: true, force: true });
}
