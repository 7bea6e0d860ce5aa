import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../random.js';
import { Resize } from '../resize.js';
import { resampleBicubic } from './resample-bicubic.js';

const python = '/usr/bin/python3';
const hasTorchvision = spawnSync(python, ['-c', 'import torchvision'], { stdio: 'ignore' }).status === 0;

// torchvision's Resize(size, BICUBIC) on a PIL image (PIL's BICUBIC), for each case; raw RGB bytes out.
const reference = `
import sys, numpy as np
from PIL import Image
import torchvision.transforms as T
from torchvision.transforms import InterpolationMode
d = sys.argv[1]
src = np.fromfile(d + '/in.raw', dtype=np.uint8).reshape(int(sys.argv[2]), int(sys.argv[3]), 3)
img = Image.fromarray(src)
for i, spec in enumerate(sys.argv[4:]):
    size = [int(v) for v in spec.split('x')]
    out = T.Resize(size if len(size) == 2 else size[0], interpolation=InterpolationMode.BICUBIC)(img)
    np.asarray(out).tofile(d + '/out%d.raw' % i)
`;

void test(
  'bicubic resize gives torchvision (PIL BICUBIC) bytes exactly: shrink, grow, one axis, shorter side',
  { skip: hasTorchvision ? false : 'no torchvision' },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bicubic-'));
    try {
      const rng = new Rng(3);
      const [height, width] = [37, 53];
      // Smooth areas and hard edges, so overshoot (clipped to 0..255) happens.
      const data = Buffer.from(
        Array.from({ length: height * width * 3 }, (_, i) => ((i / 3) % width < 20 ? rng.int(0, 256) : (i % 7) * 40)),
      );
      writeFileSync(join(dir, 'in.raw'), data);
      const cases: [number, number][] = [
        [12, 20],
        [80, 90],
        [37, 20],
        [50, 53],
        [1, 3],
      ];
      const run = spawnSync(python, ['-c', reference, dir, String(height), String(width), ...cases.map(([h, w]) => `${h}x${w}`), '24'], {
        encoding: 'utf8',
      });
      assert.equal(run.status, 0, run.stderr);
      const image = { data, width, height, channels: 3 } as const;
      cases.forEach(([h, w], i) => {
        assert.deepEqual(resampleBicubic(image, { width: w, height: h }).data, readFileSync(join(dir, `out${i}.raw`)), `${h}x${w}`);
      });
      const resized = await new Resize({ size: 24, interpolation: 'bicubic' }).apply(image, rng);
      assert.deepEqual([resized.height, resized.width], [24, 34]);
      assert.deepEqual(resized.data, readFileSync(join(dir, `out${cases.length}.raw`)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
