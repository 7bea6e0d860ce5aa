import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FitProgress } from './fit-progress.js';

void test('progress: batch and epoch positions as the loops advance them', () => {
  const p = new FitProgress();
  assert.equal(p.startEpoch(), 0);
  p.startBatch(0);
  assert.deepEqual([p.batchIdx, p.position.batchInEpoch], [0, 0]);
  p.finishBatch();
  p.stepTaken();
  // Between a batch's step and its end hooks, a checkpoint resumes after it.
  assert.deepEqual([p.batchIdx, p.globalStep, p.position], [0, 1, { epoch: 0, batchInEpoch: 1 }]);
  p.startBatch(1);
  p.finishBatch();
  p.finishEpoch({ epoch: 0, step: 1, metrics: { 'train/loss': 0.5 } });
  // Hooks at the epoch's end still see epoch 0; a checkpoint written there starts epoch 1.
  assert.deepEqual([p.currentEpoch, p.position], [0, { epoch: 1, batchInEpoch: 0 }]);
  assert.equal(p.startEpoch(), 0);
  assert.equal(p.currentEpoch, 1);
});

void test('progress saves itself with the checkpoint keys and a restored one continues mid-epoch', () => {
  const p = new FitProgress();
  p.startEpoch();
  p.startBatch(0);
  p.finishBatch();
  p.stepTaken();
  p.callbackMetrics['val/loss'] = 2;
  p.finishEpoch({ epoch: 0, step: 1, metrics: { 'val/loss': 2 } });
  p.startEpoch();
  p.startBatch(0);
  p.finishBatch();
  p.stepTaken();
  const state = p.stateDict();
  assert.deepEqual(
    { epoch: state.epoch, batchInEpoch: state.batchInEpoch, globalStep: state.globalStep },
    { epoch: 1, batchInEpoch: 1, globalStep: 2 },
  );
  const q = new FitProgress();
  q.callbackMetrics.stale = 1;
  q.loadStateDict(state);
  assert.deepEqual([q.currentEpoch, q.globalStep, q.history.length, q.callbackMetrics], [1, 2, 1, { 'val/loss': 2 }]);
  assert.equal(q.startEpoch(), 1);
  p.history.push({ epoch: 9, step: 9, metrics: {} });
  assert.equal(q.history.length, 1, 'the restored history is a copy');
});
