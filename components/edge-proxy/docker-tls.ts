/**
 * The edge containers' TLS files (plan.edge.tlsFiles) as Docker uploads:
 * the PEM from a spec `{ file }` (read here, on the deploying machine) or
 * from a Pulumi secret, always as a secret Output so it is encrypted in state
 * and masked in previews. Keys are 0400 and certificates 0444, owned by the
 * proxy's user; nothing reaches the environment, the image or a label.
 */
import { readFileSync } from "node:fs";
import type * as docker from "@pulumi/docker";
import type * as pulumi from "@pulumi/pulumi";
import { EdgeformError } from "../../src/errors.js";
import type { PlannedTlsFile } from "../../src/plan/tls-files.js";
import { EDGE_CONTAINER_USER } from "../shared/paths.js";
import { secretOutput, type SecretValues } from "../shared/secrets.js";

export function tlsUploads(files: readonly PlannedTlsFile[], secrets: SecretValues): docker.types.input.ContainerUpload[] {
  return files.map((f) => ({
    file: f.path,
    content: secretOutput("secret" in f.from ? secrets[f.from.secret]! : readPemFile(f.from.file, f.path)),
    permissions: f.privateKey ? "0400" : "0444",
    owner: EDGE_CONTAINER_USER.uid,
    group: EDGE_CONTAINER_USER.gid,
  }));
}

function readPemFile(file: string, containerPath: string): pulumi.Input<string> {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    throw new EdgeformError("EF_PULUMI_TLS_FILE", `cannot read ${file}, which the edge containers need at ${containerPath}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, {
      hint: "`{ file }` paths are relative to the spec file; run `edgeform validate` on the spec, or give the PEM as `{ secret: name }`",
    });
  }
}
