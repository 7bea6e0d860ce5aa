import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { improves, metricDirection } from './metric-direction.js';

describe('metricDirection', () => {
  it('takes the maximum of accuracy, AP, mAP, F1, precision, recall, AUROC, exact match and top-k, TTA included', () => {
    const larger = [
      'val/acc_top1',
      'val/acc_top5',
      'test/accuracy',
      'acc1',
      'val/acc_tta',
      'val/acc_top1_tta',
      'val/mAP',
      'val/map50',
      'val/f1',
      'val/f1_macro',
      'val/auroc',
      'val/AUROC_tta',
      'val/precision',
      'val/recall_macro',
      'val/exact_match',
      'val/exactMatch',
      'val/top5',
      'val/top_k',
      'ap_class/0',
      'val/ap_class/<img src=x>',
      'val/acc_class/shirt',
    ];
    for (const name of larger) assert.equal(metricDirection(name), 'max', name);
  });

  it('takes the minimum of losses, errors, Hamming loss, ECE, NLL and durations', () => {
    const smaller = [
      'train/loss_step',
      'val/loss',
      'val/loss_tta',
      'val/error',
      'val/err_top1',
      'val/hamming',
      'val/hamming_loss',
      'val/ece',
      'val/ece_tta',
      'val/nll',
      'val/calibration_error',
      'train/epoch_time',
      'time/step_ms',
      'train/duration_s',
      'val/loss_top1',
    ];
    for (const name of smaller) assert.equal(metricDirection(name), 'min', name);
  });

  it('has no best for a name that says neither', () => {
    for (const name of ['lr-AdamW', 'lr', 'train/img_per_s', 'system/rss_mb', 'momentum', 'val/heatmap', 'grad_norm'])
      assert.equal(metricDirection(name), null, name);
  });

  it('improves: the larger, the smaller, or never', () => {
    assert.equal(improves('max', 0.9, 0.8), true);
    assert.equal(improves('max', 0.7, 0.8), false);
    assert.equal(improves('min', 0.7, 0.8), true);
    assert.equal(improves('min', 0.5, undefined), true, 'a first value');
    assert.equal(improves('min', Number.NaN, 0.8), false);
    assert.equal(improves(null, 0.5, undefined), false);
  });
});
