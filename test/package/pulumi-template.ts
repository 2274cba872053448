/**
 * A fresh consumer project in the shape of Pulumi's default TypeScript
 * template (`pulumi new typescript`): CommonJS output, Node-10 module
 * resolution (no `exports` support in the type checker), strict, the program
 * in index.ts, and @pulumi/pulumi as the project's own dependency.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";

export const templateTsconfig = {
  compilerOptions: {
    strict: true,
    outDir: "bin",
    target: "es2020",
    module: "commonjs",
    moduleResolution: "node",
    sourceMap: true,
    experimentalDecorators: true,
    pretty: true,
    noFallthroughCasesInSwitch: true,
    noImplicitReturns: true,
    forceConsistentCasingInFileNames: true,
  },
  files: ["index.ts"],
};

/** Writes Pulumi.yaml, package.json and tsconfig.json of a template project named `name` into `dir`. */
export async function writePulumiTemplate(dir: string, name: string): Promise<void> {
  await writeFile(join(dir, "Pulumi.yaml"), `name: ${name}\nruntime:\n  name: nodejs\n  options:\n    packagemanager: npm\ndescription: A minimal TypeScript Pulumi program\n`);
  const pkg = { name, main: "index.ts", devDependencies: { "@types/node": "^22", typescript: "^5" }, dependencies: { "@pulumi/pulumi": "^3" } };
  await writeFile(join(dir, "package.json"), `${JSON.stringify(pkg, null, 4)}\n`);
  await writeFile(join(dir, "tsconfig.json"), `${JSON.stringify(templateTsconfig, null, 4)}\n`);
}
