import assert from "node:assert/strict";
import { test } from "node:test";
import {
  bytes, formatBytes, formatDuration, ms, parseDuration, parseSize, promDuration, seconds, suggestDuration, suggestSize,
} from "../../src/spec/units.js";

test("parseDuration reads every unit and compound durations", () => {
  assert.equal(parseDuration("500ms"), 500);
  assert.equal(parseDuration("5s"), 5000);
  assert.equal(parseDuration("1m"), 60_000);
  assert.equal(parseDuration("2h"), 7_200_000);
  assert.equal(parseDuration("7d"), 604_800_000);
  assert.equal(parseDuration("1h30m"), 5_400_000);
  assert.equal(parseDuration("1.5s"), 1500);
  assert.equal(parseDuration("0s"), 0);
});

test("parseDuration rejects what is not a duration", () => {
  for (const bad of ["", "5", "5 s", "s", "5sec", "-1s", "1s ", "1w", "1.s", "ms"]) assert.equal(parseDuration(bad), undefined, bad);
});

test("parseSize reads decimal and binary units", () => {
  assert.equal(parseSize("512B"), 512);
  assert.equal(parseSize("1KB"), 1000);
  assert.equal(parseSize("1KiB"), 1024);
  assert.equal(parseSize("256MiB"), 256 * 1024 ** 2);
  assert.equal(parseSize("1GiB"), 1024 ** 3);
  assert.equal(parseSize("1.5GB"), 1.5e9);
  assert.equal(parseSize("10 MB"), 10e6);
  for (const bad of ["", "256", "256mb", "1 GiB ", "1XB", "MiB"]) assert.equal(parseSize(bad), undefined, bad);
});

test("ms, bytes and seconds convert checked values and throw on unchecked ones", () => {
  assert.equal(ms("250ms"), 250);
  assert.equal(bytes("2KiB"), 2048);
  assert.equal(seconds("1500ms"), 2, "rounds up");
  assert.equal(seconds("100ms"), 1, "never 0");
  assert.throws(() => ms("soon"), TypeError);
  assert.throws(() => bytes("big"), TypeError);
});

test("formatDuration and promDuration pick the largest exact unit", () => {
  assert.equal(formatDuration(86_400_000), "1d");
  assert.equal(formatDuration(1_296_000_000), "15d");
  assert.equal(formatDuration(5_400_000), "90m");
  assert.equal(formatDuration(1500), "1500ms");
  assert.equal(formatDuration(0), "0ms");
  assert.equal(promDuration(15_000), "15s");
  assert.equal(promDuration(3_600_000), "1h");
  for (const text of ["5s", "1m", "2h", "3d", "250ms"]) assert.equal(parseDuration(formatDuration(ms(text))), ms(text), text);
});

test("formatBytes picks the largest exact binary unit and round-trips", () => {
  assert.equal(formatBytes(268_435_456), "256MiB");
  assert.equal(formatBytes(1024), "1KiB");
  assert.equal(formatBytes(1000), "1000B");
  assert.equal(formatBytes(3 * 1024 ** 4), "3TiB");
  for (const n of [1, 1024, 1536, 1024 ** 3]) assert.equal(parseSize(formatBytes(n)), n);
});

test("suggestDuration turns common mistakes into a valid duration", () => {
  assert.equal(suggestDuration(5), "5s");
  assert.equal(suggestDuration(500), "500ms", "large bare numbers are more likely milliseconds");
  assert.equal(suggestDuration("5"), "5s");
  assert.equal(suggestDuration("5 seconds"), "5s");
  assert.equal(suggestDuration("1min"), "1m");
  assert.equal(suggestDuration("2 Hours"), "2h");
  assert.equal(suggestDuration("1h 30min"), "1h30m");
  assert.equal(suggestDuration("5S"), "5s");
  assert.equal(suggestDuration("5s"), undefined, "already valid");
  assert.equal(suggestDuration("soon"), undefined);
  assert.equal(suggestDuration("5 fortnights"), undefined);
  assert.equal(suggestDuration(-1), undefined);
  assert.equal(suggestDuration(true), undefined);
});

test("suggestSize turns common mistakes into a valid size", () => {
  assert.equal(suggestSize(268_435_456), "256MiB");
  assert.equal(suggestSize(256), "256MiB", "small bare numbers are more likely MiB than bytes");
  assert.equal(suggestSize("256mb"), "256MB");
  assert.equal(suggestSize("1g"), "1GiB");
  assert.equal(suggestSize("64 mib"), "64MiB");
  assert.equal(suggestSize("64"), "64MiB");
  assert.equal(suggestSize("64MiB"), undefined, "already valid");
  assert.equal(suggestSize("lots"), undefined);
  for (const s of [suggestSize(268_435_456), suggestSize("256mb"), suggestSize("1g")]) assert.notEqual(parseSize(s!), undefined);
});
