#!/usr/bin/env node
// Checked before anything is imported: the dependencies need Node 22 and would
// otherwise fail with an obscure syntax or API error.
const major = Number(process.versions.node.split(".")[0]);
if (major < 22) {
  process.stderr.write(
    `edgeform needs Node.js 22 or newer; this is ${process.version}.\n` +
      "  fix: run it through npm (`npm run dev`, `npx edgeform …`), which uses the Node 22 installed with the project,\n" +
      "       or install Node 22 (`npm install -g node@22`).\n",
  );
  process.exit(2);
}
// `edgeform … | head` closes stdout early: that is a normal end, not a crash.
process.stdout.on("error", (err) => {
  if (err.code === "EPIPE") process.exit(0);
  throw err;
});
const { runCli } = await import("../dist/src/cli/main.js");
process.exitCode = await runCli(process.argv.slice(2));
