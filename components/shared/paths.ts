/** Files this package ships next to its code: the Dockerfiles and their build context. */
import { fileURLToPath } from "node:url";

/**
 * The package root (the Docker build context for the edge proxy image):
 * this file is dist/components/shared/paths.js, three levels below it.
 */
export function packageRoot(): string {
  return fileURLToPath(new URL("../../../", import.meta.url));
}

export function imagesDir(): string {
  return fileURLToPath(new URL("../../../images/", import.meta.url));
}

/** Default base image of the edge proxy: a public Node.js 22 slim image. */
export const DEFAULT_EDGE_BASE_IMAGE = "node:22-bookworm-slim";

/** Where the proxy reads its generated runtime config inside the container. */
export const PROXY_CONFIG_PATH = "/etc/edgeform/proxy.json";

/**
 * The user and group images/edge-proxy.Dockerfile runs the proxy as (its
 * `USER` line): uploaded keys belong to them, readable by nobody else.
 */
export const EDGE_CONTAINER_USER = { uid: "1000", gid: "1000" } as const;

/**
 * Arguments to the edge image's entrypoint (`node dist/src/proxy/main.js`):
 * the same as its CMD, spelled out so a mirrored image with another default still runs the proxy.
 */
export const PROXY_COMMAND = ["--config", PROXY_CONFIG_PATH];

/**
 * The demo origin (`edgeform origin`) as specs name it. It is not published
 * to any registry: a fleet with this image gets it built from
 * images/demo-origin.Dockerfile on the engine by the stack, under that name.
 */
export const DEMO_ORIGIN_REPOSITORY = "edgeform/demo-origin";

/** Whether a fleet's image is the demo origin (any tag), which the stack builds instead of pulling. */
export function isDemoOriginImage(image: string): boolean {
  return image === DEMO_ORIGIN_REPOSITORY || image.startsWith(`${DEMO_ORIGIN_REPOSITORY}:`);
}
