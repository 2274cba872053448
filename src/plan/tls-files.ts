/**
 * TLS material of Docker edge containers: every certificate, key and CA
 * bundle of the spec becomes a file the component uploads into each
 * container under /etc/edgeform/tls, and the runtime config names that path.
 * Secrets thus never sit in the container's environment (where `docker
 * inspect` shows them), nor in the image, a label or plain config.
 */
import type { PemSourceSpec } from "../spec/types.js";
import { specFilePath, type PemPlacement } from "./tls-config.js";

/** The directory in the edge container that holds uploaded TLS files. */
export const CONTAINER_TLS_DIR = "/etc/edgeform/tls";

export interface PlannedTlsFile {
  /** Absolute path inside the edge container. */
  path: string;
  /** A file on the deploying machine (resolved against the spec's directory when plan knew it), or a Pulumi secret. */
  from: { file: string } | { secret: string };
  /** A private key: readable by the proxy's user only. */
  privateKey: boolean;
}

/** Places each PEM as a container file, recording in `files` what the component must upload. */
export function pemInContainer(specDir: string | undefined, files: PlannedTlsFile[]): PemPlacement {
  return (ref: PemSourceSpec, slot, privateKey) => {
    const path = `${CONTAINER_TLS_DIR}/${slot}`;
    files.push({ path, from: "secret" in ref ? { secret: ref.secret } : { file: specFilePath(ref.file, specDir) }, privateKey });
    return { file: path };
  };
}
