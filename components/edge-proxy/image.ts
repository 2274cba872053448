/**
 * The edge proxy image: built from this package's images/edge-proxy.Dockerfile
 * (the package root is the build context, so `npm run build` must have run),
 * with the base image as a build argument; or a prebuilt image when the target
 * overrides `images.edge`.
 */
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { DEFAULT_EDGE_BASE_IMAGE, imagesDir, packageRoot } from "../shared/paths.js";

export interface EdgeImageBuild {
  imageName: pulumi.Input<string>;
  baseImage?: string | undefined;
  /** Push here (ECR); without it the image stays on the local engine. */
  registry?: { server: pulumi.Input<string>; username: pulumi.Input<string>; password: pulumi.Input<string> };
  platform?: string;
}

export function buildEdgeImage(name: string, build: EdgeImageBuild, parent: pulumi.Resource): docker.Image {
  return new docker.Image(name, {
    imageName: build.imageName,
    build: {
      context: packageRoot(),
      // Absolute, so it does not depend on where `pulumi` runs; edge-proxy.Dockerfile.dockerignore sits next to it.
      dockerfile: join(imagesDir(), "edge-proxy.Dockerfile"),
      args: { BASE_IMAGE: build.baseImage ?? DEFAULT_EDGE_BASE_IMAGE },
      ...(build.platform ? { platform: build.platform } : {}),
    },
    ...(build.registry
      ? { registry: { server: build.registry.server, username: build.registry.username, password: pulumi.secret(build.registry.password) }, skipPush: false }
      : { skipPush: true }),
  }, { parent });
}
