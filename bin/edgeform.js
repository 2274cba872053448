#!/usr/bin/env node
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

// Checked before anything else is imported: the dependencies need Node 22.19
// (undici's engines) and would otherwise fail with an obscure syntax or API error.
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 19)) {
  // A clone (also through `npm link`) has Node 22 installed as its devDependency `node`.
  const projectNode = fileURLToPath(new URL("../node_modules/node/bin/node", import.meta.url));
  // EDGEFORM_REEXEC: that Node is too old as well; say so instead of starting it again.
  if (existsSync(projectNode) && !process.env.EDGEFORM_REEXEC) {
    process.exitCode = await runOn(projectNode);
  } else {
    process.stderr.write(
      `edgeform needs Node.js 22.19 or newer; this is ${process.version}.\n` +
        "  fix: install Node 22 (https://nodejs.org, or your system's packages) and run this again.\n",
    );
    process.exitCode = 2;
  }
} else {
  // `edgeform … | head` closes stdout early: that is a normal end, not a crash.
  process.stdout.on("error", (err) => {
    if (err.code === "EPIPE") process.exit(0);
    throw err;
  });
  const { runCli } = await import("../dist/src/cli/main.js");
  process.exitCode = await runCli(process.argv.slice(2));
}

/** Runs this same script on `node`, passing the terminal and signals through; resolves with its exit code. */
function runOn(node) {
  const child = spawn(node, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: "inherit", env: { ...process.env, EDGEFORM_REEXEC: "1" } });
  // Ctrl-C reaches the whole process group, the child included: it decides when it is done.
  process.on("SIGINT", () => {});
  for (const signal of ["SIGTERM", "SIGHUP"]) process.on(signal, () => child.kill(signal));
  return new Promise((resolve) => {
    child.on("error", (err) => {
      process.stderr.write(`edgeform: cannot start ${node}: ${err.message}\n`);
      resolve(2);
    });
    child.on("exit", (code, signal) => resolve(code ?? (signal === "SIGINT" ? 130 : 1)));
  });
}
