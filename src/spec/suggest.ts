import { closest, distance } from "fastest-levenshtein";

/** The closest candidate, if it is close enough to be a plausible typo. */
export function suggest(word: string, candidates: readonly string[]): string | undefined {
  if (candidates.length === 0) return undefined;
  const best = closest(word, candidates as string[]);
  const lower = word.toLowerCase();
  if (best.toLowerCase() === lower) return best;
  return distance(lower, best.toLowerCase()) <= Math.max(1, Math.floor(best.length / 3)) ? best : undefined;
}
