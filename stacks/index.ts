/**
 * Entry point for the Pulumi CLI (Pulumi.yaml `main: dist/stacks/index.js`).
 * Pulumi calls the default export and makes its result the stack outputs.
 * edgeform's errors are shown as their message and fix, without a stack trace.
 */
import * as pulumi from "@pulumi/pulumi";
import { isEdgeformError } from "../src/errors.js";
import { edgeformProgram, type StackOutputs } from "./program.js";

export default async function main(): Promise<StackOutputs> {
  try {
    return await edgeformProgram();
  } catch (e) {
    if (isEdgeformError(e)) throw new pulumi.RunError(e.toString());
    throw e;
  }
}
