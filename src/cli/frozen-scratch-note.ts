import type { RunPlan } from './run-plan.js';

/**
 * The warning a run gets when `finetune.freezeEpochs` freezes a backbone that
 * has no pretrained weights: the head would learn on random features, which
 * is almost never meant (timm and Lightning assume a pretrained backbone
 * there too). Null when nothing is frozen, the weights are pretrained, or the
 * run resumes (its weights come from the checkpoint).
 *
 * @example
 * const note = frozenScratchNote(plan);
 * if (note) console.error(note);
 */
export function frozenScratchNote(plan: Pick<RunPlan, 'finetune' | 'model' | 'ckptPath'>): string | null {
  const epochs = plan.finetune?.freezeEpochs ?? 0;
  const pretrained = (plan.model as { pretrained?: unknown }).pretrained;
  if (epochs === 0 || plan.ckptPath !== null || (typeof pretrained === 'string' && pretrained !== '')) return null;
  const name = typeof plan.model.name === 'string' ? plan.model.name : 'the model';
  return (
    `warning: finetune.freezeEpochs=${epochs} freezes ${name}'s backbone, but model.pretrained is not set: ` +
    `the head trains alone on random features for ${epochs} epoch${epochs === 1 ? '' : 's'}; ` +
    `set model.pretrained=<weights id or file> (classifier-training weights list) or finetune.freezeEpochs=0`
  );
}
