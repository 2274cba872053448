/**
 * docker:index/network:Network, docker:index/volume:Volume,
 * docker:index/image:Image and docker:index/remoteImage:RemoteImage inputs →
 * Engine API requests, after the provider's documentation. Pure: no Docker here.
 */
import { isAbsolute, resolve } from "node:path";
import {
  labelMap, optBool, optObject, optObjectList, optString, optStringMap, refuseUnknown, reqString, type Record_,
} from "./fields.js";

export const NETWORK_TYPE = "docker:index/network:Network";
export const VOLUME_TYPE = "docker:index/volume:Volume";
export const IMAGE_TYPE = "docker:index/image:Image";
export const REMOTE_IMAGE_TYPE = "docker:index/remoteImage:RemoteImage";

export const NETWORK_FIELDS = ["name", "driver", "internal", "attachable", "ipv6", "ipamDriver", "ipamConfigs", "ipamOptions", "options", "labels"] as const;
export const VOLUME_FIELDS = ["name", "driver", "driverOpts", "labels"] as const;
export const IMAGE_FIELDS = ["imageName", "build", "skipPush", "buildOnPreview"] as const;
export const IMAGE_BUILD_FIELDS = ["context", "dockerfile", "args", "target", "platform", "builderVersion"] as const;
export const REMOTE_IMAGE_FIELDS = ["name", "keepLocally", "forceRemove", "triggers"] as const;

export interface NetworkCreate {
  Name: string;
  CheckDuplicate: true;
  Driver: string;
  Internal?: boolean;
  Attachable?: boolean;
  EnableIPv6?: boolean;
  IPAM?: { Driver: string; Config: Array<Record<string, unknown>>; Options?: Record<string, string> };
  Options?: Record<string, string>;
  Labels: Record<string, string>;
}

export function translateNetwork(inputs: Record_, autoName: () => string, harnessLabels: Record<string, string>): NetworkCreate {
  const at = NETWORK_TYPE;
  refuseUnknown(at, inputs, NETWORK_FIELDS);
  // The provider creates networks with CheckDuplicate, so a second network of the same name is an error.
  const req: NetworkCreate = {
    Name: optString(at, inputs, "name") ?? autoName(),
    CheckDuplicate: true,
    Driver: optString(at, inputs, "driver") ?? "bridge",
    Labels: { ...labelMap(at, inputs), ...harnessLabels },
  };
  const internal = optBool(at, inputs, "internal");
  const attachable = optBool(at, inputs, "attachable");
  const ipv6 = optBool(at, inputs, "ipv6");
  if (internal !== undefined) req.Internal = internal;
  if (attachable !== undefined) req.Attachable = attachable;
  if (ipv6 !== undefined) req.EnableIPv6 = ipv6;
  const options = optStringMap(at, inputs, "options");
  if (options) req.Options = options;
  const ipamConfigs = optObjectList(at, inputs, "ipamConfigs");
  const ipamDriver = optString(at, inputs, "ipamDriver");
  const ipamOptions = optStringMap(at, inputs, "ipamOptions");
  if (ipamConfigs || ipamDriver !== undefined || ipamOptions) {
    req.IPAM = {
      Driver: ipamDriver ?? "default",
      Config: (ipamConfigs ?? []).map((c, i) => {
        const where = `${at}.ipamConfigs[${i}]`;
        refuseUnknown(where, c, ["subnet", "ipRange", "gateway", "auxAddress"]);
        const out: Record<string, unknown> = {};
        const subnet = optString(where, c, "subnet");
        const ipRange = optString(where, c, "ipRange");
        const gateway = optString(where, c, "gateway");
        const aux = optStringMap(where, c, "auxAddress");
        if (subnet !== undefined) out["Subnet"] = subnet;
        if (ipRange !== undefined) out["IPRange"] = ipRange;
        if (gateway !== undefined) out["Gateway"] = gateway;
        if (aux) out["AuxiliaryAddresses"] = aux;
        return out;
      }),
    };
    if (ipamOptions) req.IPAM.Options = ipamOptions;
  }
  return req;
}

export interface VolumeCreate {
  Name: string;
  Driver: string;
  DriverOpts: Record<string, string>;
  Labels: Record<string, string>;
}

export function translateVolume(inputs: Record_, autoName: () => string, harnessLabels: Record<string, string>): VolumeCreate {
  const at = VOLUME_TYPE;
  refuseUnknown(at, inputs, VOLUME_FIELDS);
  return {
    Name: optString(at, inputs, "name") ?? autoName(),
    Driver: optString(at, inputs, "driver") ?? "local",
    DriverOpts: optStringMap(at, inputs, "driverOpts") ?? {},
    Labels: { ...labelMap(at, inputs), ...harnessLabels },
  };
}

export interface ImageBuildPlan {
  imageName: string;
  /** Absolute build context directory. */
  context: string;
  /** Absolute Dockerfile path (may lie outside the context). */
  dockerfile: string;
  buildArgs: Record<string, string>;
  target?: string;
  platform?: string;
}

/**
 * docker.Image (provider v4+): builds `build.context` (default ".", relative
 * to the program's working directory) with `build.dockerfile` (absolute or
 * relative to the working directory, not to the context; default
 * <context>/Dockerfile). Pushing needs a registry, so only skipPush: true is
 * translated.
 */
export function translateImage(inputs: Record_, cwd: string): ImageBuildPlan {
  const at = IMAGE_TYPE;
  refuseUnknown(at, inputs, IMAGE_FIELDS);
  if (optBool(at, inputs, "skipPush") !== true) {
    throw new TypeError(`${at}: pushing to a registry is not translated (no registry is reachable); set skipPush: true for a local Docker target`);
  }
  // buildOnPreview only matters during `pulumi preview`; the harness always runs an update.
  optBool(at, inputs, "buildOnPreview");
  const build = optObject(at, inputs, "build") ?? {};
  const where = `${at}.build`;
  refuseUnknown(where, build, IMAGE_BUILD_FIELDS);
  const builder = optString(where, build, "builderVersion");
  if (builder !== undefined && builder !== "BuilderV1" && builder !== "BuilderBuildKit") {
    throw new TypeError(`${where}.builderVersion must be BuilderV1 or BuilderBuildKit`);
  }
  const context = resolve(cwd, optString(where, build, "context") ?? ".");
  const dockerfileInput = optString(where, build, "dockerfile");
  const plan: ImageBuildPlan = {
    imageName: reqString(at, inputs, "imageName"),
    context,
    dockerfile: dockerfileInput === undefined ? resolve(context, "Dockerfile") : isAbsolute(dockerfileInput) ? dockerfileInput : resolve(cwd, dockerfileInput),
    buildArgs: optStringMap(where, build, "args") ?? {},
  };
  const target = optString(where, build, "target");
  const platform = optString(where, build, "platform");
  if (target !== undefined) plan.target = target;
  if (platform !== undefined) plan.platform = platform;
  return plan;
}

export interface RemoteImagePlan {
  name: string;
  keepLocally: boolean;
  forceRemove: boolean;
}

/** docker.RemoteImage without `build`: an image that must already be present (nothing is pulled here). */
export function translateRemoteImage(inputs: Record_): RemoteImagePlan {
  const at = REMOTE_IMAGE_TYPE;
  refuseUnknown(at, inputs, REMOTE_IMAGE_FIELDS);
  // triggers only force a replacement on a later update; a single update has nothing to replace.
  optStringMap(at, inputs, "triggers");
  return {
    name: reqString(at, inputs, "name"),
    keepLocally: optBool(at, inputs, "keepLocally") ?? false,
    forceRemove: optBool(at, inputs, "forceRemove") ?? false,
  };
}
