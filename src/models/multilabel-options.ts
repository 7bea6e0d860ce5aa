/**
 * The MultiLabelModule's hyperparameters: a ClassificationModule's (checked
 * by the same `parseClassificationOptions`, so the loss, optimizer,
 * scheduler and fine-tuning sections mean the same in both tasks), a
 * multi-label loss (`bce` by default, label smoothing 0: smoothing pulls
 * sigmoid targets towards 1/2, a choice rather than a default), the
 * decision thresholds (one number for every label, or `tuned`: each label's
 * F1-optimal threshold on the val split), and `module: 'multilabel'`, the
 * registry name an export rebuilds the module by.
 *
 * @example
 * parseMultilabelOptions({ numClasses: 10, loss: { name: 'asl' }, thresholds: 'tuned' });
 */
import { ConfigError } from '../errors.js';
import { registry } from '../registry.js';
import { parseClassificationOptions } from './classification-options.js';
import './multilabel-losses.js'; // registers bce and asl, the losses the options name
import type { ClassificationOptions, ClassificationOptionsInput } from './classification-options.js';

/** The losses made for multi-hot targets. */
export const MULTILABEL_LOSSES = ['bce', 'asl'] as const;

/** Validated hyperparameters. @example const hp: MultilabelOptions = module.hparams; */
export interface MultilabelOptions extends ClassificationOptions {
  module: 'multilabel';
  /** One threshold for every label, or 'tuned' (F1-optimal per label on val at each validation of a fit; 0.5 until then). */
  thresholds: number | 'tuned';
}

/** Hyperparameters as a user writes them. @example const o: MultilabelOptionsInput = { numClasses: 5, thresholds: 0.4 }; */
export type MultilabelOptionsInput = ClassificationOptionsInput & { thresholds?: number | 'tuned'; module?: 'multilabel' };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The loss section with the module's default (bce, no smoothing) under what the user set. */
function lossInput(loss: unknown): unknown {
  if (loss === undefined) return { name: 'bce', labelSmoothing: 0 };
  if (!isObject(loss) || registry.isResolved(loss)) return loss;
  const name = loss.name ?? 'bce';
  return name === 'bce' ? { labelSmoothing: 0, ...loss, name } : { ...loss, name };
}

/**
 * Validates options, filling defaults; a ConfigError names every issue with its dotted path.
 *
 * @example
 * parseMultilabelOptions({ numClasses: 4, thresholds: 2 }); // ConfigError: thresholds: expected a number in [0, 1] or 'tuned', but got 2
 */
export function parseMultilabelOptions(input: unknown): MultilabelOptions {
  const { thresholds = 0.5, module = 'multilabel', ...rest } = isObject(input) ? input : {};
  const issues: { path: string; message: string }[] = [];
  if (thresholds !== 'tuned' && !(typeof thresholds === 'number' && thresholds >= 0 && thresholds <= 1)) {
    issues.push({ path: 'thresholds', message: `expected a number in [0, 1] or 'tuned', but got ${JSON.stringify(thresholds)}` });
  }
  if (module !== 'multilabel') issues.push({ path: 'module', message: `expected 'multilabel', but got ${JSON.stringify(module)}` });
  const loss = lossInput(rest.loss);
  const name = isObject(loss) ? loss.name : undefined;
  if (typeof name === 'string' && !(MULTILABEL_LOSSES as readonly string[]).includes(name) && registry.choices('loss').includes(name)) {
    issues.push({ path: 'loss.name', message: `expected a multi-label loss (${MULTILABEL_LOSSES.join(', ')}), but got '${name}'` });
  }
  if (issues.length > 0) {
    const first = `MultiLabelModule: ${issues[0].path}: ${issues[0].message}`;
    throw new ConfigError(issues.length === 1 ? first : `${first} (and ${issues.length - 1} more)`, issues);
  }
  const base = parseClassificationOptions({ ...rest, loss });
  return { ...base, module: 'multilabel', thresholds: thresholds as number | 'tuned' };
}
