/**
 * A parser for Structured Field Dictionaries (RFC 8941 §4.2.2), enough for
 * targeted cache-control fields (RFC 9213 §2.1), which are dictionaries.
 * Returns undefined for any syntax error: RFC 9213 says an invalid targeted
 * field is ignored and Cache-Control is used instead, so a lenient parse
 * would be wrong, not friendlier.
 */

export type SfBareItem = number | string | boolean | { token: string } | Uint8Array;
/** Dictionary member value: a bare item (parameters dropped), or an inner list. */
export type SfMember = SfBareItem | SfBareItem[];

class Parser {
  i = 0;
  constructor(readonly s: string) {}
  peek(): string { return this.s[this.i] ?? ""; }
  eof(): boolean { return this.i >= this.s.length; }
  skipSP(): void { while (this.s[this.i] === " ") this.i++; }
  skipOWS(): void { while (this.s[this.i] === " " || this.s[this.i] === "\t") this.i++; }
}

const KEY_START = /[a-z*]/;
const KEY_CHAR = /[a-z0-9_\-.*]/;
const TOKEN_START = /[A-Za-z*]/;
const TOKEN_CHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z:/]/;

export function parseSfDictionary(input: string): Map<string, SfMember> | undefined {
  const p = new Parser(input);
  const out = new Map<string, SfMember>();
  try {
    p.skipSP();
    if (p.eof()) return out;
    for (;;) {
      const key = parseKey(p);
      let value: SfMember = true;
      if (p.peek() === "=") {
        p.i++;
        value = p.peek() === "(" ? parseInnerList(p) : parseBareItem(p);
      }
      parseParams(p);
      out.set(key, value);
      p.skipOWS();
      if (p.eof()) return out;
      if (p.peek() !== ",") return undefined;
      p.i++;
      p.skipOWS();
      if (p.eof()) return undefined; // trailing comma
    }
  } catch {
    return undefined;
  }
}

function fail(): never {
  throw new Error("sf syntax");
}

function parseKey(p: Parser): string {
  if (!KEY_START.test(p.peek())) fail();
  const start = p.i;
  while (!p.eof() && KEY_CHAR.test(p.peek())) p.i++;
  return p.s.slice(start, p.i);
}

function parseParams(p: Parser): void {
  while (p.peek() === ";") {
    p.i++;
    p.skipSP();
    parseKey(p);
    if (p.peek() === "=") {
      p.i++;
      parseBareItem(p);
    }
  }
}

function parseInnerList(p: Parser): SfBareItem[] {
  p.i++; // (
  const items: SfBareItem[] = [];
  for (;;) {
    p.skipSP();
    if (p.peek() === ")") {
      p.i++;
      parseParams(p);
      return items;
    }
    items.push(parseBareItem(p));
    parseParams(p);
    if (p.peek() !== " " && p.peek() !== ")") fail();
  }
}

function parseBareItem(p: Parser): SfBareItem {
  const c = p.peek();
  if (c === "-" || (c >= "0" && c <= "9")) return parseNumber(p);
  if (c === '"') return parseString(p);
  if (c === "?") {
    p.i++;
    const b = p.peek();
    p.i++;
    if (b === "1") return true;
    if (b === "0") return false;
    fail();
  }
  if (c === ":") {
    const end = p.s.indexOf(":", p.i + 1);
    if (end < 0) fail();
    const b64 = p.s.slice(p.i + 1, end);
    if (!/^[A-Za-z0-9+/=]*$/.test(b64)) fail();
    p.i = end + 1;
    return Buffer.from(b64, "base64");
  }
  if (TOKEN_START.test(c)) {
    const start = p.i;
    while (!p.eof() && TOKEN_CHAR.test(p.peek())) p.i++;
    return { token: p.s.slice(start, p.i) };
  }
  fail();
}

function parseNumber(p: Parser): number {
  const m = /^-?\d{1,15}(\.\d{1,3})?/.exec(p.s.slice(p.i));
  if (!m) fail();
  const text = m[0];
  if (text.includes(".") && text.split(".")[0]!.replace("-", "").length > 12) fail();
  p.i += text.length;
  // Integers longer than 15 digits are invalid; the regex already bounds them.
  if (!p.eof() && /[0-9.]/.test(p.peek())) fail();
  return Number(text);
}

function parseString(p: Parser): string {
  p.i++; // opening quote
  let out = "";
  for (;;) {
    if (p.eof()) fail();
    const c = p.s[p.i++]!;
    if (c === "\\") {
      const next = p.s[p.i++];
      if (next !== '"' && next !== "\\") fail();
      out += next;
    } else if (c === '"') {
      return out;
    } else {
      const code = c.charCodeAt(0);
      if (code < 0x20 || code > 0x7e) fail();
      out += c;
    }
  }
}
