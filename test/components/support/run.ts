/**
 * Test-side helpers: run a scenario in a child process (Pulumi's mocks are
 * global to a process, so scenarios must not share one) and query the
 * resource graph it recorded.
 */
import { spawn } from "node:child_process";

export const T = {
  container: "docker:index/container:Container",
  image: "docker:index/image:Image",
  remoteImage: "docker:index/remoteImage:RemoteImage",
  network: "docker:index/network:Network",
  volume: "docker:index/volume:Volume",
  randomPassword: "random:index/randomPassword:RandomPassword",
  fleet: "edgeform:components:BackendFleet",
  edge: "edgeform:components:EdgeProxy",
  cache: "edgeform:components:CacheTier",
  monitoring: "edgeform:components:Monitoring",
  topology: "edgeform:components:CdnTopology",
  foundation: "edgeform:components:AwsFoundation",
  sg: "aws:ec2/securityGroup:SecurityGroup",
  ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  egress: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
  taskDef: "aws:ecs/taskDefinition:TaskDefinition",
  service: "aws:ecs/service:Service",
  discovery: "aws:servicediscovery/service:Service",
  lb: "aws:lb/loadBalancer:LoadBalancer",
  targetGroup: "aws:lb/targetGroup:TargetGroup",
  listener: "aws:lb/listener:Listener",
  listenerRule: "aws:lb/listenerRule:ListenerRule",
  distribution: "aws:cloudfront/distribution:Distribution",
  ecr: "aws:ecr/repository:Repository",
  replicationGroup: "aws:elasticache/replicationGroup:ReplicationGroup",
  scalingTarget: "aws:appautoscaling/target:Target",
  scalingPolicy: "aws:appautoscaling/policy:Policy",
} as const;

export interface Res {
  type: string;
  name: string;
  parent?: string;
  custom: boolean;
  id?: string;
  transforms: number;
  /** "type::name" of every resource in its dependsOn. */
  dependsOn?: string[];
  deleteBeforeReplace?: boolean;
  provider?: string;
  /** Recorded inputs and state are free-form JSON; tests index into them. */
  inputs: any;
  state: any;
}

export interface ScenarioResult {
  resources: Res[];
  outputs: Record<string, unknown>;
  calls: string[];
  error?: { name?: string; code?: string; message: string; hint?: string };
}

const runner = new URL("./runner.js", import.meta.url).pathname;

/** Run one scenario in a fresh node process; preview = dry run, update = computed outputs filled in. */
export function runScenario(name: string, mode: "preview" | "update", timeoutMs = 120_000): Promise<ScenarioResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [runner, name, mode], { stdio: ["ignore", "pipe", "pipe"], timeout: timeoutMs });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d));
    child.stderr.on("data", (d: Buffer) => (err += d));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`scenario ${name} (${mode}) exited ${code}: ${err}`));
      try {
        resolve(JSON.parse(out) as ScenarioResult);
      } catch (e) {
        reject(new Error(`scenario ${name} (${mode}) printed no JSON: ${(e as Error).message}\n${out.slice(0, 500)}\n${err}`));
      }
    });
  });
}

/** Run several scenarios, two at a time (the machine is shared). */
export async function runScenarios(jobs: Array<[string, "preview" | "update"]>): Promise<Map<string, ScenarioResult>> {
  const results = new Map<string, ScenarioResult>();
  const queue = [...jobs];
  const worker = async () => {
    for (let job = queue.shift(); job; job = queue.shift()) results.set(`${job[0]}/${job[1]}`, await runScenario(job[0], job[1]));
  };
  await Promise.all([worker(), worker()]);
  return results;
}

export class Graph {
  constructor(readonly result: ScenarioResult) {
    if (result.error) throw new Error(`the scenario failed: ${result.error.code ?? result.error.name}: ${result.error.message}`);
  }
  get resources(): Res[] {
    return this.result.resources;
  }
  ofType(type: string): Res[] {
    return this.resources.filter((r) => r.type === type);
  }
  one(type: string, name: string): Res {
    const found = this.resources.filter((r) => r.type === type && r.name === name);
    if (found.length !== 1) throw new Error(`expected one ${type} named ${name}, found ${found.length}: ${this.ofType(type).map((r) => r.name).join(", ")}`);
    return found[0]!;
  }
  childrenOf(r: Res): Res[] {
    const key = `${r.type}::${r.name}`;
    return this.resources.filter((c) => c.parent === key);
  }
  /** The resources r names in its dependsOn. */
  dependsOn(r: Res): Res[] {
    return (r.dependsOn ?? []).map((key) => this.resources.find((d) => `${d.type}::${d.name}` === key)!).filter(Boolean);
  }
  parentOf(r: Res): Res | undefined {
    return this.resources.find((p) => `${p.type}::${p.name}` === r.parent);
  }
  /** The resource whose recorded id or ARN equals this value (update mode fills them in). */
  byRef(value: unknown): Res | undefined {
    return this.resources.find((r) => r.id === value || r.state?.arn === value);
  }
}

/** Paths under `value` where a plain (non-secret) string contains `needle`. */
export function plainOccurrences(value: unknown, needle: string, path = "$"): string[] {
  if (typeof value === "string") return value.includes(needle) ? [path] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => plainOccurrences(v, needle, `${path}[${i}]`));
  if (value !== null && typeof value === "object") {
    if ("$secret" in value) return [];
    return Object.entries(value).flatMap(([k, v]) => plainOccurrences(v, needle, `${path}.${k}`));
  }
  return [];
}

export function unsecret(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unsecret);
  if (value !== null && typeof value === "object") {
    if ("$secret" in value) return unsecret((value as { $secret: unknown }).$secret);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unsecret(v)]));
  }
  return value;
}

/** ECS container definitions of a task definition (known in both modes: built from plain inputs). */
export function containers(taskDef: Res): Array<Record<string, any>> {
  const raw = taskDef.inputs.containerDefinitions;
  if (typeof raw !== "string") throw new Error(`containerDefinitions of ${taskDef.name} is not known: ${JSON.stringify(raw)}`);
  return JSON.parse(raw) as Array<Record<string, any>>;
}

/** Files an ECS config-writer container delivers (decoded from its environment). */
export function writtenFiles(taskDef: Res): Record<string, string> {
  const writer = containers(taskDef).find((c) => c["name"] === "config");
  const b64 = writer?.["environment"]?.find((e: { name: string }) => e.name === "EDGEFORM_FILES_B64")?.value;
  if (typeof b64 !== "string") throw new Error(`${taskDef.name} has no config writer with files`);
  return JSON.parse(Buffer.from(b64, "base64").toString("utf8")) as Record<string, string>;
}
