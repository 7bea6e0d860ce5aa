import assert from 'node:assert/strict';
import { test } from 'node:test';
import { frozenScratchNote } from './frozen-scratch-note.js';

const finetune = { freezeEpochs: 2, backboneLrScale: 1, layerDecay: null, freezeBatchNorm: false, trainBatchNormWhenFrozen: false };

test('freezing a backbone without pretrained weights is warned about, naming the keys to set', () => {
  const note = frozenScratchNote({ finetune, model: { name: 'convnext_tiny', pretrained: null }, ckptPath: null });
  assert.match(note!, /finetune\.freezeEpochs=2 freezes convnext_tiny's backbone, but model\.pretrained is not set/);
  assert.match(note!, /for 2 epochs; set model\.pretrained=/);
});

test('no warning with pretrained weights, nothing frozen, or a resumed run', () => {
  assert.equal(frozenScratchNote({ finetune, model: { name: 'resnet18', pretrained: 'resnet18.imagenet1k_v1' }, ckptPath: null }), null);
  assert.equal(frozenScratchNote({ finetune: { ...finetune, freezeEpochs: 0 }, model: { name: 'resnet18' }, ckptPath: null }), null);
  assert.equal(frozenScratchNote({ finetune: undefined, model: { name: 'resnet18' }, ckptPath: null }), null);
  assert.equal(frozenScratchNote({ finetune, model: { name: 'resnet18' }, ckptPath: 'last' }), null);
});
