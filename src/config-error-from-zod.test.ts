import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { configErrorFromZod, zodIssues } from './config-error-from-zod.js';
import { ConfigError } from './errors.js';

const schema = z.strictObject({ lr: z.number().positive(), betas: z.tuple([z.number(), z.number()]) });

void test('every issue is named by its dotted key under the prefix, unknown keys one by one or at their object', () => {
  const input = { lr: -1, betas: [0.9, 'x'], learningRate: 1, momentum: 0 };
  const { error } = schema.safeParse(input);
  const each = zodIssues(error!, { component: 'optimizer', prefix: ['optimizer'] });
  assert.deepEqual(each.map((i) => i.path).sort(), ['optimizer.betas.1', 'optimizer.learningRate', 'optimizer.lr', 'optimizer.momentum']);
  assert.equal(each.find((i) => i.path === 'optimizer.momentum')!.message, 'unknown option');
  const together = zodIssues(error!, { component: 'optimizer', prefix: ['optimizer'], unknownKeys: 'object' });
  assert.deepEqual(together.map((i) => i.path).sort(), ['optimizer', 'optimizer.betas.1', 'optimizer.lr']);
  // With the input, each message says what it got.
  const withInput = zodIssues(error!, { component: 'optimizer', input });
  assert.match(withInput.find((i) => i.path === 'lr')!.message, /, but got -1$/);
});

void test('one ConfigError in the house wording, with issues found beside zod’s', () => {
  const { error } = schema.safeParse({ lr: 0, betas: [0.9, 0.99] });
  const e = configErrorFromZod(error!, { component: 'AdamW' }, [{ path: 'params', message: 'expected tensors, but got none' }]);
  assert.ok(e instanceof ConfigError);
  assert.match(e.message, /^AdamW: expected valid options, but got lr: .+; params: expected tensors, but got none$/);
  assert.deepEqual(
    e.issues.map((i) => i.path),
    ['lr', 'params'],
  );
  const root = configErrorFromZod(z.number().safeParse('x').error!, { component: 'data', expected: 'valid data options' });
  assert.match(root.message, /^data: expected valid data options, but got \(root\): /);
});
