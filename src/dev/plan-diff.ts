/**
 * What `edgeform dev` must run for a plan, and what changes when the spec
 * changes: which replica processes to start and stop, and which ports to keep.
 * Pure functions over the plan, so the reload logic is tested without
 * processes.
 */
import { isAbsolute, resolve } from "node:path";
import { EdgeformError } from "../errors.js";
import { secretEnvName } from "../plan/plan.js";
import type { DeploymentPlan } from "../plan/types.js";

/** One replica process, fully resolved. Two specs with equal `signature` are interchangeable. */
export interface ReplicaSpec {
  /** "<fleet>#<index>": stable identity across reloads. */
  key: string;
  fleet: string;
  index: number;
  /** Short display name, e.g. "web-0". */
  name: string;
  port: number;
  command: string;
  cwd: string;
  env: Record<string, string>;
  signature: string;
}

/** Replica counts of the fleets dev must start processes for. */
export function replicaCounts(plan: DeploymentPlan): Record<string, number> {
  return Object.fromEntries(plan.fleets.filter((f) => f.kind === "provisioned").map((f) => [f.name, f.replicas]));
}

/** How many new ports a reload needs: one per replica that has none yet. */
export function missingPortCount(previous: Readonly<Record<string, readonly number[]>>, wanted: Readonly<Record<string, number>>): number {
  let n = 0;
  for (const [fleet, count] of Object.entries(wanted)) n += Math.max(0, count - (previous[fleet]?.length ?? 0));
  return n;
}

/**
 * Ports per fleet: replicas that exist in both keep theirs (so the proxy's
 * backend identity and connections survive a reload); new replicas take from
 * `fresh`, in order.
 */
export function assignFleetPorts(
  previous: Readonly<Record<string, readonly number[]>>,
  wanted: Readonly<Record<string, number>>,
  fresh: readonly number[],
): Record<string, number[]> {
  const pool = [...fresh];
  const out: Record<string, number[]> = {};
  for (const [fleet, count] of Object.entries(wanted)) {
    const kept = (previous[fleet] ?? []).slice(0, count);
    while (kept.length < count) {
      const port = pool.shift();
      if (port === undefined) throw new Error(`not enough fresh ports for fleet ${fleet}`);
      kept.push(port);
    }
    out[fleet] = kept;
  }
  return out;
}

export interface ReplicaContext {
  /** Directory of the spec file: dev.cwd is relative to it. */
  specDir: string;
  /** Where secrets are read from (EDGEFORM_SECRET_<NAME>). */
  env: Readonly<Record<string, string | undefined>>;
  /** Where in the spec a fleet is defined, for error messages ("file:line:col"). */
  locateFleet?: (fleet: string) => string | undefined;
}

/** A provisioned fleet needs a dev.command: dev has no Docker to run its image. */
export function assertRunnable(plan: DeploymentPlan, locateFleet?: (fleet: string) => string | undefined): void {
  for (const fleet of plan.fleets) {
    if (fleet.kind !== "provisioned" || fleet.dev) continue;
    const where = locateFleet?.(fleet.name);
    throw new EdgeformError(
      "EF_DEV_NO_COMMAND",
      `fleet "${fleet.name}"${where ? ` (${where})` : ""} has an image (${fleet.image}) but no dev.command, so edgeform dev cannot run it without Docker`,
      { hint: `add \`dev: { command: "<shell command that listens on $PORT>" }\` to fleets.${fleet.name}, or give it \`endpoints:\` of a server that is already running` },
    );
  }
}

/** Every replica process the plan asks for. Fleets with endpoints need none. */
export function desiredReplicas(plan: DeploymentPlan, ctx: ReplicaContext): { replicas: ReplicaSpec[]; missingSecrets: string[] } {
  assertRunnable(plan, ctx.locateFleet);
  const replicas: ReplicaSpec[] = [];
  const missingSecrets = new Set<string>();
  for (const fleet of plan.fleets) {
    if (fleet.kind !== "provisioned" || !fleet.dev) continue;
    const baseEnv: Record<string, string> = {};
    for (const [name, v] of Object.entries(fleet.env)) {
      if (v.value !== undefined) baseEnv[name] = v.value;
      else if (v.secret !== undefined) {
        const value = ctx.env[secretEnvName(v.secret)];
        if (value === undefined) missingSecrets.add(v.secret);
        else baseEnv[name] = value;
      }
    }
    const cwd = fleet.dev.cwd === undefined ? ctx.specDir : isAbsolute(fleet.dev.cwd) ? fleet.dev.cwd : resolve(ctx.specDir, fleet.dev.cwd);
    const ports = plan.proxyConfig.clusters.find((c) => c.name === fleet.name)?.discovery;
    const endpoints = ports?.type === "static" ? ports.endpoints : [];
    for (let index = 0; index < fleet.replicas; index++) {
      const port = endpoints[index]?.port;
      if (port === undefined) throw new Error(`plan has no dev port for replica ${index} of fleet ${fleet.name}`);
      const env: Record<string, string> = {
        ...baseEnv,
        ...fleet.dev.env,
        PORT: String(port),
        HOST: "127.0.0.1",
        EDGEFORM_FLEET: fleet.name,
        EDGEFORM_REPLICA: String(index),
      };
      const command = fleet.dev.command;
      replicas.push({
        key: `${fleet.name}#${index}`,
        fleet: fleet.name,
        index,
        name: `${fleet.name}-${index}`,
        port,
        command,
        cwd,
        env,
        signature: JSON.stringify([command, cwd, port, Object.entries(env).sort(([a], [b]) => a.localeCompare(b))]),
      });
    }
  }
  return { replicas, missingSecrets: [...missingSecrets].sort() };
}

export interface ReplicaDiff {
  start: ReplicaSpec[];
  stop: ReplicaSpec[];
  keep: ReplicaSpec[];
}

/** A changed replica (command, cwd, env or port) is stopped and started again. */
export function diffReplicas(running: readonly ReplicaSpec[], desired: readonly ReplicaSpec[]): ReplicaDiff {
  const before = new Map(running.map((r) => [r.key, r]));
  const after = new Map(desired.map((r) => [r.key, r]));
  const diff: ReplicaDiff = { start: [], stop: [], keep: [] };
  for (const r of running) {
    const next = after.get(r.key);
    if (!next || next.signature !== r.signature) diff.stop.push(r);
  }
  for (const r of desired) {
    const prev = before.get(r.key);
    if (!prev || prev.signature !== r.signature) diff.start.push(r);
    else diff.keep.push(prev);
  }
  return diff;
}
