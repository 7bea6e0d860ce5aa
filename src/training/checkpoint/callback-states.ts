/**
 * Callback states in a checkpoint, found by kind rather than by a literal
 * key: a state is saved under its callback's `stateKey`
 * (`ModelCheckpoint{"monitor":"val/loss",...}`), and checkpoints written
 * before keys carried options hold it under the bare class name
 * (`ModelCheckpoint`). Restore, `ckptPath: best` and export's EMA weights
 * read states through here, so both spellings keep working.
 *
 * @example
 * const checkpoints = statesOfKind(header.callbacks, 'ModelCheckpoint'); // [[key, state], ...]
 */
import type { StateTree } from '../../torch/optim/index.js';
import type { Callback } from '../callback.js';

/**
 * Every state of callbacks of class `kind`, with its key, in saved order.
 *
 * @example
 * statesOfKind({ 'ModelCheckpoint{"monitor":"val/loss"}': a, EMA: b }, 'ModelCheckpoint'); // [['ModelCheckpoint{"monitor":"val/loss"}', a]]
 */
export function statesOfKind(states: Readonly<Record<string, StateTree>>, kind: string): [string, StateTree][] {
  return Object.entries(states).filter(([key]) => key === kind || key.startsWith(`${kind}{`));
}

/**
 * The state `callback` saved: under its own key, else under its class name
 * (an older checkpoint) when it is the only callback of its class among
 * `all` (with two, the old state could belong to either, so neither takes it).
 *
 * @example
 * const state = savedStateOf(checkpoint.callbacks, callback, trainer.callbacks); if (state !== undefined) callback.loadStateDict(state);
 */
export function savedStateOf(
  states: Readonly<Record<string, StateTree>>,
  callback: Callback,
  all: readonly Callback[],
): StateTree | undefined {
  if (Object.hasOwn(states, callback.stateKey)) return states[callback.stateKey];
  const kind = callback.constructor.name;
  if (!Object.hasOwn(states, kind)) return undefined;
  return all.filter((c) => c.constructor.name === kind).length === 1 ? states[kind] : undefined;
}
