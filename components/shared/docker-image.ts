/**
 * Images built from this package's images/*.Dockerfile. The build context is
 * the installed package itself (dist/, bin/ and its bundled runtime
 * node_modules, see package.json bundleDependencies), so it builds the same
 * from a clone and from `npm install edgeform`; the Dockerfiles run nothing
 * and need no network beyond the base image, which is a build argument.
 */
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { DEFAULT_EDGE_BASE_IMAGE, imagesDir, packageRoot } from "./paths.js";

export interface PackageImageBuild {
  /** File in images/, e.g. "edge-proxy.Dockerfile". */
  dockerfile: string;
  imageName: pulumi.Input<string>;
  /** BASE_IMAGE build argument: any image with Node.js 22 (default a public node:22 slim image). */
  baseImage?: string | undefined;
  /** Push here (ECR); without it the image stays on the local engine. */
  registry?: { server: pulumi.Input<string>; username: pulumi.Input<string>; password: pulumi.Input<string> };
  platform?: string;
}

export function buildPackageImage(name: string, build: PackageImageBuild, parent: pulumi.Resource): docker.Image {
  return new docker.Image(name, {
    imageName: build.imageName,
    build: {
      context: packageRoot(),
      // Absolute, so it does not depend on where `pulumi` runs; <name>.Dockerfile.dockerignore sits next to it.
      dockerfile: join(imagesDir(), build.dockerfile),
      args: { BASE_IMAGE: build.baseImage ?? DEFAULT_EDGE_BASE_IMAGE },
      ...(build.platform ? { platform: build.platform } : {}),
    },
    ...(build.registry
      ? { registry: { server: build.registry.server, username: build.registry.username, password: pulumi.secret(build.registry.password) }, skipPush: false }
      : { skipPush: true }),
  }, { parent });
}
