/**
 * The edge proxy image: built from this package's images/edge-proxy.Dockerfile
 * (the package root is the build context, so `npm run build` must have run),
 * with the base image as a build argument; or a prebuilt image when the target
 * overrides `images.edge`.
 */
import type * as pulumi from "@pulumi/pulumi";
import type * as docker from "@pulumi/docker";
import { buildPackageImage, type PackageImageBuild } from "../shared/docker-image.js";

export type EdgeImageBuild = Omit<PackageImageBuild, "dockerfile">;

export function buildEdgeImage(name: string, build: EdgeImageBuild, parent: pulumi.Resource): docker.Image {
  return buildPackageImage(name, { ...build, dockerfile: "edge-proxy.Dockerfile" }, parent);
}
