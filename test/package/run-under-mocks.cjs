// Runs a compiled CommonJS Pulumi program (argv[2]) under the SDK's mocks,
// the way Pulumi's own Node.js host would load it, and prints what it
// registered and exported as one JSON line: {types, outputs}.
const pulumi = require("@pulumi/pulumi");
const { resolve } = require("node:path");

const types = [];
const mocks = {
  newResource: (args) => {
    types.push(args.type);
    return { id: `${args.name}-id`, state: args.inputs };
  },
  call: (args) => args.inputs,
};

async function main() {
  await pulumi.runtime.setMocks(mocks, "consumer", "test", false);
  const program = require(resolve(process.argv[2]));
  const outputs = {};
  for (const [name, value] of Object.entries(program)) {
    outputs[name] = await new Promise((done) => pulumi.output(value).apply(done));
  }
  // Every registration the program started reaches the mocks before this resolves.
  await pulumi.runtime.disconnect();
  process.stdout.write(`${JSON.stringify({ types, outputs })}\n`);
}

main().catch((e) => {
  process.stderr.write(`${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
