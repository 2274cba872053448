/**
 * Target rules: AWS region names, VPC and CloudFront settings, image
 * overrides, and the host ports Docker would publish for every edge replica.
 */
import type { PathSegment } from "./diagnostics.js";
import { edge, entryLabel, isObj, listeners, namesIn, objEntries, str, unknownRef, type Ctx, type Doc, type Obj, type Rule } from "./semantic-shared.js";
import { awsTargetRules } from "./semantic-aws.js";
import { suggest } from "./suggest.js";

const AWS_REGION = /^(us|eu|ap|sa|ca|me|af|il|mx)(-gov)?-(north|south|east|west|central|northeast|northwest|southeast|southwest)-[1-9]$/;

export const targetRules: Rule = (doc, ctx) => {
  const fleets = namesIn(doc, "fleets");
  for (const [name, t] of objEntries(doc["targets"])) {
    if (t["provider"] === "aws") {
      const region = str(t["region"]);
      if (region !== undefined && !AWS_REGION.test(region)) {
        const guess = suggest(region.toLowerCase().replace(/[_\s]+/g, "-"), AWS_REGIONS);
        ctx.report("EF_SPEC_AWS_REGION", ["targets", name, "region"], `"${region}" is not an AWS region name`, {
          suggestion: guess ? `did you mean "${guess}"?` : 'use a region code such as "eu-west-1" or "us-east-1" (not a zone such as "eu-west-1a")',
        });
      }
      awsTargetRules(doc, ctx, name, t);
      if ((t["publicSubnetIds"] !== undefined || t["privateSubnetIds"] !== undefined) && t["vpcId"] === undefined) {
        ctx.report("EF_SPEC_TARGET", ["targets", name], `target "${name}" passes subnets but no vpcId`, { part: "key", suggestion: "add `vpcId:` of the VPC those subnets belong to" });
      }
      const cdn = t["cdn"];
      if (isObj(cdn) && Array.isArray(cdn["aliases"]) && cdn["aliases"].length > 0 && cdn["certificateArn"] === undefined) {
        ctx.report("EF_SPEC_TARGET", ["targets", name, "cdn", "aliases"], "CloudFront aliases need an ACM certificate", { part: "key", suggestion: "add `certificateArn:` of a certificate in us-east-1" });
      }
    }
    if (t["provider"] === "docker") {
      const port = t["publishPort"];
      if (typeof port === "number" && port < 1024) {
        ctx.report("EF_SPEC_DOCKER_PORT", ["targets", name, "publishPort"], `publishing port ${port} needs root on most Docker hosts`, { severity: "warning", suggestion: "use a port of 1024 or above, such as 8080" });
      }
      dockerPublishedPorts(doc, ctx, name, t);
    }
    const images = t["images"];
    if (isObj(images) && isObj(images["fleets"])) {
      for (const fleet of Object.keys(images["fleets"])) {
        if (fleets && !fleets.has(fleet)) unknownRef(ctx, "EF_SPEC_UNKNOWN_FLEET", "fleet", fleet, [...fleets], ["targets", name, "images", "fleets", fleet], "key");
      }
    }
  }
};

/**
 * On Docker, edge replica i publishes each listener on host port (port + i),
 * the first HTTP listener on (publishPort + i). Those ranges must fit below
 * 65536 and must not overlap, or the containers cannot start.
 */
function dockerPublishedPorts(doc: Doc, ctx: Ctx, targetName: string, target: Obj) {
  const e = edge(doc);
  const replicas = typeof e["replicas"] === "number" && Number.isInteger(e["replicas"]) && e["replicas"] >= 1 ? e["replicas"] : 1;
  const publishPort = typeof target["publishPort"] === "number" ? target["publishPort"] : undefined;
  const ls = listeners(doc);
  const firstHttp = ls.findIndex((l) => isObj(l) && l["protocol"] === "http");
  const ranges: Array<{ i: number; from: number; to: number }> = [];
  ls.forEach((l, i) => {
    if (!isObj(l) || typeof l["port"] !== "number") return;
    const from = i === firstHttp && publishPort !== undefined ? publishPort : l["port"];
    ranges.push({ i, from, to: from + replicas - 1 });
  });
  const where: PathSegment[] = publishPort !== undefined ? ["targets", targetName, "publishPort"] : ["targets", targetName];
  const label = (i: number) => entryLabel("listener", ls[i], i);
  for (const r of ranges) {
    if (r.to > 65535 && r.from <= 65535) {
      ctx.report("EF_SPEC_DOCKER_PORT", where, `on target "${targetName}", ${replicas} edge replicas would publish ${label(r.i)} on host ports ${r.from}-${r.to}, beyond 65535`, {
        part: publishPort !== undefined ? "value" : "key",
        suggestion: "use a lower port, or fewer edge replicas",
      });
    }
  }
  ranges.sort((a, b) => a.from - b.from || a.i - b.i);
  for (let k = 1; k < ranges.length; k++) {
    const a = ranges[k - 1]!;
    const b = ranges[k]!;
    // Equal listener ports are already reported by the listener rules.
    const samePort = isObj(ls[a.i]) && isObj(ls[b.i]) && (ls[a.i] as Obj)["port"] === (ls[b.i] as Obj)["port"] && a.from === (ls[a.i] as Obj)["port"] && b.from === (ls[b.i] as Obj)["port"];
    if (b.from <= a.to && !samePort) {
      ctx.report("EF_SPEC_PORT_CLASH", where, `on target "${targetName}", ${label(a.i)} and ${label(b.i)} would both publish host port ${b.from} (replica i publishes each listener on its port + i)`, {
        part: publishPort !== undefined ? "value" : "key",
        suggestion: `space the ports at least ${replicas} apart (edge.replicas is ${replicas}), or change publishPort`,
      });
    }
  }
}

/** Regions AWS had at the time of writing; the pattern above also accepts newer ones. */
const AWS_REGIONS = [
  "us-east-1", "us-east-2", "us-west-1", "us-west-2", "af-south-1", "ap-east-1", "ap-south-1", "ap-south-2",
  "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5", "ap-northeast-1",
  "ap-northeast-2", "ap-northeast-3", "ca-central-1", "ca-west-1", "eu-central-1", "eu-central-2", "eu-west-1",
  "eu-west-2", "eu-west-3", "eu-south-1", "eu-south-2", "eu-north-1", "il-central-1", "me-south-1", "me-central-1",
  "mx-central-1", "sa-east-1", "us-gov-east-1", "us-gov-west-1",
];
