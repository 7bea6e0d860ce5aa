/**
 * Near-miss suggestions for misspelt keys and options: Levenshtein distance
 * on names compared without case, `_` or `-`, so `max_epochs` finds
 * `maxEpochs` and `resnet5` finds `resnet50`.
 *
 * @example
 * didYouMean('trainer.maxEpoch', ['trainer.maxEpochs', 'trainer.seed']); // 'trainer.maxEpochs'
 */

/** Edit distance (insertions, deletions, substitutions) between two strings. */
export function levenshtein(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length];
}

const normalize = (s: string): string => s.toLowerCase().replace(/[_-]/g, '');

/** The candidate nearest to `word` within `maxDistance` edits (ties: the first in order), or undefined. */
export function didYouMean(word: string, candidates: Iterable<string>, options: { maxDistance?: number } = {}): string | undefined {
  const maxDistance = options.maxDistance ?? 2;
  const target = normalize(word);
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    if (candidate === word) continue;
    const d = levenshtein(target, normalize(candidate)) + (candidate.toLowerCase() === word.toLowerCase() ? 0 : 0.5);
    if (d < bestDistance && d <= maxDistance + 0.5) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** ` (did you mean \`x\`?)` or an empty string, for the end of a message. */
export function didYouMeanSuffix(word: string, candidates: Iterable<string>): string {
  const hit = didYouMean(word, candidates);
  return hit === undefined ? '' : ` (did you mean \`${hit}\`?)`;
}
