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

void test('a group declares its shared keys and its "no component" name once; build takes a section and runtime arguments', () => {
  const r = new Registry();
  r.defineGroup('scheduler', { keys: { interval: z.enum(['epoch', 'step']).default('epoch') }, none: 'none' });
  assert.throws(() => r.defineGroup('scheduler', {}), /'scheduler' is already defined/);
  r.register({
    group: 'scheduler',
    name: 'step',
    runtime: ['optimizer'],
    schema: z.strictObject({ optimizer: z.string(), stepSize: z.number().int().positive().default(3) }),
    build: (o: { optimizer: string; stepSize: number }) => `${o.optimizer}/${o.stepSize}`,
  });
  assert.deepEqual(r.list('scheduler'), ['step']);
  assert.deepEqual(r.choices('scheduler'), ['step', 'none']);
  // The config may set the group's keys beside the component's own; not its runtime keys.
  assert.deepEqual(r.configSchema('scheduler', 'step').parse({}), { stepSize: 3, interval: 'epoch' });
  assert.deepEqual(r.configSchema('scheduler', 'none').parse({ interval: 'step' }), { interval: 'step' });
  assert.equal(r.configSchema('scheduler', 'step').safeParse({ optimizer: 'sgd' }).success, false);
  // The group's keys are the caller's: build leaves them out of what the component gets.
  assert.equal(r.build('scheduler', { name: 'step', interval: 'step', stepSize: 2 }, { optimizer: 'sgd' }), 'sgd/2');
  assert.equal(r.build('scheduler', 'step', { interval: 'step' }, { optimizer: 'adam' }), 'adam/3');
  assert.equal(r.build('scheduler', { name: 'none', interval: 'step' }, { optimizer: 'sgd' }), null);
  assert.throws(
    () => r.build('scheduler', { name: 'step', stepSize: 0 }, { optimizer: 'sgd' }),
    (e: Error) => e instanceof ConfigError && e.issues.map((i) => i.path).join() === 'scheduler.step.stepSize',
  );
});

void test('resolved options are frozen and built as they are; their runtime arguments are still checked', () => {
  const r = new Registry();
  let parses = 0;
  const counted = z.number().refine(() => ++parses > 0);
  r.register({
    group: 'optimizer',
    name: 'toy',
    runtime: ['params'],
    schema: z.strictObject({ params: z.array(z.number()), lr: counted }),
    build: (o: { params: number[]; lr: number }) => o,
  });
  const frozen = r.resolved({ deep: { list: [1] } });
  assert.ok(r.isResolved(frozen) && Object.isFrozen(frozen.deep.list));
  assert.equal(r.isResolved({ name: 'toy', lr: 0.5 }), false);
  assert.equal(r.build<{ lr: number }>('optimizer', { name: 'toy', lr: 0.5 }, { params: [1] }).lr, 0.5);
  assert.equal(parses, 1, 'options handed in by anyone are checked');
  const section = r.resolved({ name: 'toy', lr: 0.5 });
  const built = r.build<{ params: number[]; lr: number }>('optimizer', section, { params: [2] });
  assert.deepEqual([built.params, built.lr], [[2], 0.5]);
  assert.equal(parses, 1, 'resolved options are not checked again');
  assert.throws(
    () => r.build('optimizer', section, { params: 'all' }),
    (e: Error) => e instanceof ConfigError && e.issues.some((i) => i.path === 'optimizer.toy.params'),
  );
});
