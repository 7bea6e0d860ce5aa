import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { ConfigError } from './errors.js';
import { Registry } from './registry.js';

void test('register, get, list and build with schema validation', () => {
  const r = new Registry();
  r.register({ group: 'loss', name: 'mse', build: () => 'mse' });
  r.register({
    group: 'loss',
    name: 'focal',
    schema: z.object({ gamma: z.number().min(0).default(2), weight: z.number().optional() }).strict(),
    build: (o: { gamma: number }) => `focal(${o.gamma})`,
  });
  assert.deepEqual(r.list('loss'), ['focal', 'mse']);
  assert.deepEqual(r.list('model'), []);
  assert.equal(r.build('loss', 'focal'), 'focal(2)');
  assert.equal(r.build('loss', 'focal', { gamma: 0.5 }), 'focal(0.5)');
  assert.equal(r.build('loss', 'mse', { anything: 1 }), 'mse');
  assert.throws(
    () => r.build('loss', 'focal', { gamma: -1, extra: true }),
    (e: Error) =>
      e instanceof ConfigError &&
      e.issues.length === 2 &&
      e.issues.some((i) => i.path === 'loss.focal.gamma') &&
      /loss\.focal/.test(e.message),
  );
  assert.throws(() => r.get('loss', 'huber'), /expected a loss among focal, mse, but got 'huber'/);
  assert.throws(() => r.get('model', 'x'), /\(none registered\)/);
  assert.throws(() => r.register({ group: 'loss', name: 'mse', build: () => 0 }), /already registered/);
  assert.throws(() => r.list('metric' as never), /model, loss, optimizer, scheduler, callback/);
});

void test('configSchema leaves out the runtime keys the building code supplies', () => {
  const r = new Registry();
  r.register({
    group: 'optimizer',
    name: 'toy',
    runtime: ['params'],
    schema: z.strictObject({ params: z.array(z.number()), lr: z.number().positive().default(0.1) }).refine((o) => o.lr < 1),
    build: (o: { params: number[]; lr: number }) => o,
  });
  assert.deepEqual(r.configSchema('optimizer', 'toy').parse({}), { lr: 0.1 });
  assert.equal(r.configSchema('optimizer', 'toy').safeParse({ params: [1] }).success, false);
  assert.equal(r.configSchema('optimizer', 'toy').safeParse({ lr: -1 }).success, false);
  assert.throws(() => r.build('optimizer', 'toy', { params: [1], lr: 2 }), ConfigError);
});
