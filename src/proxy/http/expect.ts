/**
 * Expect (RFC 9110 §10.1.1): 100-continue is the only expectation there is;
 * a request that lists anything else, even beside it, gets 417. Both client
 * servers (http1/ and Node's fallback) decide with this one rule.
 */

/** Whether an Expect value lists 100-continue and nothing else (any case, spaces and empty list items allowed). */
export function onlyContinue(expect: string): boolean {
  let seen = false;
  for (const part of expect.split(",")) {
    const item = part.trim().toLowerCase();
    if (item === "") continue;
    if (item !== "100-continue") return false;
    seen = true;
  }
  return seen;
}
