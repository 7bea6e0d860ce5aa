import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Callback } from '../callback.js';
import { EarlyStopping } from '../callbacks/early-stopping.js';
import { ModelCheckpoint } from '../callbacks/model-checkpoint.js';
import { savedStateOf, statesOfKind } from './callback-states.js';

void test('stateKey: checkpoint callbacks and early stopping are keyed by class and the options that identify them', () => {
  assert.equal(
    new ModelCheckpoint({ monitor: 'val/loss' }).stateKey,
    'ModelCheckpoint{"monitor":"val/loss","mode":"min","everyNEpochs":1,"everyNTrainSteps":null}',
  );
  assert.notEqual(
    new ModelCheckpoint({ monitor: 'val/loss' }).stateKey,
    new ModelCheckpoint({ monitor: 'val/acc_top1', mode: 'max' }).stateKey,
  );
  assert.equal(
    new EarlyStopping({ monitor: 'val/acc_top1', mode: 'max' }).stateKey,
    'EarlyStopping{"monitor":"val/acc_top1","mode":"max"}',
  );
  class Plain extends Callback {}
  assert.equal(new Plain().stateKey, 'Plain', 'a callback without identifying options keeps its class name');
});

void test('statesOfKind finds states under new and old keys, and not those of a class whose name merely starts alike', () => {
  const states = {
    'ModelCheckpoint{"monitor":"val/loss"}': { a: 1 },
    ModelCheckpoint: { b: 2 },
    ModelCheckpointer: { c: 3 },
    EMA: { d: 4 },
  };
  assert.deepEqual(
    statesOfKind(states, 'ModelCheckpoint').map(([key]) => key),
    ['ModelCheckpoint{"monitor":"val/loss"}', 'ModelCheckpoint'],
  );
  assert.deepEqual(statesOfKind(states, 'EMA'), [['EMA', { d: 4 }]]);
});

void test('savedStateOf: the own key first; an old class-name key only when one callback of the class could have written it', () => {
  const loss = new ModelCheckpoint({ monitor: 'val/loss' });
  const acc = new ModelCheckpoint({ monitor: 'val/acc_top1', mode: 'max' });
  const own = { [loss.stateKey]: { own: true }, ModelCheckpoint: { old: true } };
  assert.deepEqual(savedStateOf(own, loss, [loss, acc]), { own: true });
  const old = { ModelCheckpoint: { old: true } };
  assert.deepEqual(savedStateOf(old, loss, [loss]), { old: true }, 'a checkpoint written before keys carried options');
  assert.equal(savedStateOf(old, loss, [loss, acc]), undefined, 'two checkpoint callbacks: the old state could be either');
});
