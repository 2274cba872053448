/**
 * Text rendering of an offline preview: the resource tree grouped by
 * component (children under their parent), a few key inputs per resource,
 * the stack outputs and a summary count.
 */
import type { PreviewReport, PreviewResource } from "./preview.js";

/** Inputs worth a glance, per resource type; other types show their first scalar inputs. */
const KEY_INPUTS: Record<string, string[]> = {
  "docker:index/container:Container": ["name", "image", "ports", "networksAdvanced", "command"],
  "docker:index/image:Image": ["imageName", "build.dockerfile", "build.args"],
  "docker:index/remoteImage:RemoteImage": ["name"],
  "docker:index/network:Network": ["name", "driver"],
  "aws:ecs/service:Service": ["name", "desiredCount", "launchType", "loadBalancers"],
  "aws:ecs/taskDefinition:TaskDefinition": ["family", "cpu", "memory"],
  "aws:lb/loadBalancer:LoadBalancer": ["name", "loadBalancerType", "internal"],
  "aws:lb/targetGroup:TargetGroup": ["name", "protocol", "port", "healthCheck.path", "healthCheck.port"],
  "aws:lb/listener:Listener": ["protocol", "port", "defaultActions"],
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": ["fromPort", "cidrIpv4", "referencedSecurityGroupId", "prefixListId"],
  "aws:cloudfront/distribution:Distribution": ["priceClass", "origins"],
  "aws:elasticache/replicationGroup:ReplicationGroup": ["replicationGroupId", "nodeType", "numCacheClusters", "transitEncryptionEnabled", "authToken"],
  "aws:servicediscovery/service:Service": ["name"],
  "aws:secretsmanager/secretVersion:SecretVersion": ["secretString"],
};

const MAX_VALUE = 70;

export function renderPreviewText(report: PreviewReport): string {
  const lines: string[] = [];
  const mode = report.dryRun ? "preview" : "simulated update";
  lines.push(`${report.topology} → target ${report.target} (${report.provider}), offline ${mode}: no engine, no cloud, no Docker`);
  lines.push("");
  const children = new Map<string | undefined, PreviewResource[]>();
  const keys = new Set(report.resources.map(key));
  for (const r of report.resources) {
    // A parent that is not in the list (the stack itself) makes a top-level resource.
    const parent = r.parent !== undefined && keys.has(r.parent) ? r.parent : undefined;
    children.set(parent, [...(children.get(parent) ?? []), r]);
  }
  const walk = (parent: string | undefined, depth: number) => {
    // Components first, then resources; each group by type, then name.
    const list = [...(children.get(parent) ?? [])].sort((a, b) => Number(a.custom) - Number(b.custom) || a.type.localeCompare(b.type) || a.name.localeCompare(b.name));
    for (const r of list) {
      const inputs = r.custom ? keyInputs(r) : "";
      lines.push(`${"  ".repeat(depth)}+ ${r.type}  ${r.name}${inputs ? `  ${inputs}` : ""}`);
      walk(key(r), depth + 1);
    }
  };
  walk(undefined, 0);
  const outputs = Object.entries(report.outputs);
  if (outputs.length > 0) {
    lines.push("", "Outputs:");
    for (const [k, v] of outputs) lines.push(`  ${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`);
  }
  const s = report.summary;
  lines.push("", `Resources: ${s.total} to create (${s.custom} resources in ${s.components} components)`);
  return lines.join("\n");
}

function key(r: PreviewResource): string {
  return `${r.type}::${r.name}`;
}

function keyInputs(r: PreviewResource): string {
  const paths = KEY_INPUTS[r.type] ?? Object.keys(r.inputs).filter((k) => k !== "tags" && isScalar(r.inputs[k])).slice(0, 3);
  return paths
    .map((p) => [p, get(r.inputs, p)] as const)
    .filter(([, v]) => v !== undefined)
    .map(([p, v]) => `${p}=${short(v)}`)
    .join(" ");
}

function get(obj: Record<string, unknown>, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.split(".")) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function isScalar(v: unknown): boolean {
  return v === null || ["string", "number", "boolean"].includes(typeof v);
}

function short(v: unknown): string {
  const text = typeof v === "string" ? v : JSON.stringify(v);
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 1)}…` : text;
}
