import assert from "node:assert/strict";
import { test } from "node:test";
import { suggest } from "../../src/spec/suggest.js";

const routeKeys = ["name", "listeners", "match", "fleet", "balancer", "retry", "timeouts", "cache", "cacheKey", "cacheSetCookie"];

test('"fleeet" → did you mean "fleet"', () => {
  assert.equal(suggest("fleeet", routeKeys), "fleet");
});

test("typos within a third of the word are suggested", () => {
  assert.equal(suggest("balancr", routeKeys), "balancer");
  assert.equal(suggest("timeout", routeKeys), "timeouts");
  assert.equal(suggest("htpp", ["http", "tcp"]), "http");
  assert.equal(suggest("eu-wset-1", ["eu-west-1", "eu-west-2", "us-east-1"]), "eu-west-1");
});

test("a swapped pair of letters counts as one typo, even in short words", () => {
  assert.equal(suggest("wbe", ["web", "api"]), "web");
  assert.equal(suggest("pg", ["gp", "web"]), "gp");
});

test("case differences are always suggested", () => {
  assert.equal(suggest("Fleet", routeKeys), "fleet");
  assert.equal(suggest("CACHEKEY", routeKeys), "cacheKey");
});

test("unrelated words and empty candidate lists give nothing", () => {
  assert.equal(suggest("database", routeKeys), undefined);
  assert.equal(suggest("x", ["web"]), undefined);
  assert.equal(suggest("fleet", []), undefined);
});
