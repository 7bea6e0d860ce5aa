/**
 * Tuning before a fit: the LR finder (`lrFind`), its options, its
 * suggestion and the files it writes.
 *
 * @example
 * import { lrFind, saveLrFind } from 'classifier-training';
 * const result = await lrFind(trainer, module, dm);
 * await saveLrFind(result, 'lr-find');
 */
export { lrFind } from './lr-find.js';
export type { LrFindResult } from './lr-find.js';
export { lrFindOptionsSchema, parseLrFindOptions, sweepLr } from './lr-find-options.js';
export type { LrFindOptions, LrFindOptionsInput } from './lr-find-options.js';
export { suggestLr } from './suggest-lr.js';
export type { LrSuggestion, SuggestResult } from './suggest-lr.js';
export { lrFindJson, lrOverride, saveLrFind } from './save-lr-find.js';
export { LrSweepCallback } from './lr-sweep-callback.js';
