/**
 * random:index/randomPassword:RandomPassword, as @pulumi/random documents
 * it: `length` characters from the enabled classes (upper, lower, numeric,
 * and special unless `special: false`). Nothing reaches Docker; the value is
 * generated here, once, and an update with the same inputs keeps it.
 */
import { randomInt } from "node:crypto";
import { optBool, optNumber, optString, refuseUnknown, type Record_ } from "./fields.js";

export const RANDOM_PASSWORD_TYPE = "random:index/randomPassword:RandomPassword";
const FIELDS = ["length", "special", "upper", "lower", "numeric", "overrideSpecial"] as const;

export function generatePassword(inputs: Record_): { id: string; state: Record_ } {
  const at = RANDOM_PASSWORD_TYPE;
  refuseUnknown(at, inputs, FIELDS);
  const length = optNumber(at, inputs, "length");
  if (length === undefined || !Number.isInteger(length) || length < 1) throw new TypeError(`${at}.length must be a positive integer`);
  const classes = [
    optBool(at, inputs, "upper") ?? true ? "ABCDEFGHIJKLMNOPQRSTUVWXYZ" : "",
    optBool(at, inputs, "lower") ?? true ? "abcdefghijklmnopqrstuvwxyz" : "",
    optBool(at, inputs, "numeric") ?? true ? "0123456789" : "",
    optBool(at, inputs, "special") ?? true ? optString(at, inputs, "overrideSpecial") ?? "!@#$%&*()-_=+[]{}<>:?" : "",
  ].join("");
  if (classes === "") throw new TypeError(`${at}: every character class is disabled`);
  const result = Array.from({ length }, () => classes[randomInt(classes.length)]).join("");
  return { id: "none", state: { ...inputs, result } };
}
