import { closest, distance } from "fastest-levenshtein";

/** Whether two words differ only by one swap of neighbouring letters ("wbe" / "web"). */
function isTransposition(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return i < a.length - 1 && a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2);
}

/**
 * The closest candidate, if it is close enough to be a plausible typo: a
 * different case, one swapped pair of letters, or an edit distance of at
 * most a third of the word (at least 1).
 */
export function suggest(word: string, candidates: readonly string[]): string | undefined {
  if (candidates.length === 0) return undefined;
  const lower = word.toLowerCase();
  const swapped = candidates.find((c) => isTransposition(lower, c.toLowerCase()));
  if (swapped !== undefined) return swapped;
  const best = closest(word, candidates as string[]);
  if (best.toLowerCase() === lower) return best;
  return distance(lower, best.toLowerCase()) <= Math.max(1, Math.floor(best.length / 3)) ? best : undefined;
}
