import { test } from 'node:test';
import assert from 'node:assert/strict';
import { didYouMean, levenshtein } from './did-you-mean.js';

void test('levenshtein distances', () => {
  assert.equal(levenshtein('kitten', 'sitting'), 3);
  assert.equal(levenshtein('', 'abc'), 3);
  assert.equal(levenshtein('same', 'same'), 0);
});

void test('near misses ignore case, _ and -; far ones give nothing', () => {
  const keys = ['trainer.maxEpochs', 'trainer.seed', 'trainer.precision'];
  assert.equal(didYouMean('trainer.maxEpoch', keys), 'trainer.maxEpochs');
  assert.equal(didYouMean('trainer.max_epochs', keys), 'trainer.maxEpochs');
  assert.equal(didYouMean('trainer.sed', keys), 'trainer.seed');
  assert.equal(didYouMean('trainer.batchSize', keys), undefined);
  assert.equal(didYouMean('resnet5', ['resnet18', 'resnet50', 'resnet34']), 'resnet50');
  assert.equal(didYouMean('x', ['x']), undefined, 'the word itself is no suggestion');
});
