/**
 * What the harness remembers between two runs of the program (two `up`s of
 * one stack), so the second is applied the way the Pulumi engine applies an
 * update: a resource whose inputs did not change is left alone; one whose
 * inputs changed is replaced — its old self deleted first when it has
 * `deleteBeforeReplace`, else created anew first and the old one deleted at
 * the end (which fails with "name in use" for a fixed name, as the provider
 * does); a resource the program no longer declares is deleted at the end,
 * newest first.
 */
import type { Created } from "./engine.js";
import type { Record_ } from "./fields.js";

export interface DeployedResource {
  key: string;
  inputs: Record_;
  id: string;
  state: Record_;
  created: Created[];
}

/**
 * Container inputs the Docker provider updates in place instead of
 * replacing. The harness translates only replacement, so a change confined to
 * these is refused rather than applied differently from the provider.
 */
const CONTAINER_UPDATABLE = ["restart", "maxRetryCount", "cpuShares", "memory", "memorySwap", "cpus", "cpuSet"];

export type Change = { kind: "same"; previous: DeployedResource } | { kind: "replace"; previous: DeployedResource; changed: string[] } | { kind: "create" };

export class StackState {
  /** In creation order. */
  private readonly deployed: DeployedResource[] = [];
  private seen = new Set<string>();
  private deleteAtEnd: DeployedResource[] = [];
  /** Replacements and deletions of the last update, for the test to check. */
  readonly log: string[] = [];

  /** Starts an update: nothing declared yet. */
  begin(): void {
    this.seen = new Set();
    this.deleteAtEnd = [];
    this.log.length = 0;
  }

  /** How the resource `key` with these inputs differs from what is deployed. */
  diff(key: string, type: string, inputs: Record_): Change {
    if (this.seen.has(key)) throw new Error(`${key} is declared twice in one program run`);
    this.seen.add(key);
    const previous = this.deployed.find((d) => d.key === key);
    if (!previous) return { kind: "create" };
    const changed = [...new Set([...Object.keys(previous.inputs), ...Object.keys(inputs)])].filter((k) => canonical(previous.inputs[k]) !== canonical(inputs[k])).sort();
    if (changed.length === 0) return { kind: "same", previous };
    if (type === "docker:index/container:Container" && changed.every((k) => CONTAINER_UPDATABLE.includes(k))) {
      throw new Error(`${key}: ${changed.join(", ")} changed, which the Docker provider updates in place; the e2e harness translates only replacement`);
    }
    return { kind: "replace", previous, changed };
  }

  /** The old resource is gone (deleted before its replacement). */
  forget(previous: DeployedResource): void {
    this.deployed.splice(this.deployed.indexOf(previous), 1);
  }

  /** Create-before-delete: the old resource is deleted when the update ends. */
  deleteLater(previous: DeployedResource): void {
    this.forget(previous);
    this.deleteAtEnd.push(previous);
  }

  record(resource: DeployedResource): void {
    this.deployed.push(resource);
  }

  /** What the update must delete at its end, newest first: replaced resources, then those no longer declared. */
  finish(): DeployedResource[] {
    const undeclared = this.deployed.filter((d) => !this.seen.has(d.key));
    for (const d of undeclared) this.forget(d);
    const out = [...this.deleteAtEnd.reverse(), ...undeclared.reverse()];
    this.deleteAtEnd = [];
    return out;
  }
}

/** JSON with sorted keys: equal inputs compare equal whatever order they were built in. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record_).sort(([a], [b]) => a.localeCompare(b))) : v,
  ) ?? "undefined";
}
