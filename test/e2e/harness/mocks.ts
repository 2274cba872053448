/**
 * Pulumi mocks whose `newResource` applies each @pulumi/docker resource to a
 * real engine (through DockerApplier) and returns the engine's real ids and
 * outputs, so an output one resource hands another (a network name, an image
 * id) is the real thing. Anything that is not a Docker resource the harness
 * translates is refused.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { Applied, DockerApplier } from "./engine.js";
import type { Record_ } from "./fields.js";
import { generatePassword, RANDOM_PASSWORD_TYPE } from "./random-password.js";
import { StackState } from "./stack-state.js";
import { CONTAINER_TYPE } from "./translate-container.js";
import { IMAGE_TYPE, NETWORK_TYPE, REMOTE_IMAGE_TYPE, VOLUME_TYPE } from "./translate-resources.js";

/** rpc.specialSigKey / specialSecretSig: how the SDK marks a secret value in deserialized inputs. */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

export interface RegisteredResource {
  type: string;
  name: string;
  custom: boolean;
  id?: string;
  ms: number;
}

export interface DockerMocks {
  mocks: pulumi.runtime.Mocks;
  /** Every resource the program registered, in registration order. */
  registered: RegisteredResource[];
  /** Errors thrown while applying resources (the SDK may only log them). */
  errors: Error[];
  /** Rejects with the first error applying a resource (never resolves). */
  failure: Promise<never>;
  /** Resolves when no resource is being applied. */
  idle(): Promise<void>;
  /** Call right after setMocks: reads each registration's resource options (the mocks' own arguments omit them). */
  attach(monitor: unknown): void;
  /** Ends the update: deletes what was replaced create-first and what the program no longer declares. */
  finish(): Promise<void>;
  /** The state carried to the next run of the program (the next `up`). */
  state: StackState;
}

/** The parts of the SDK's RegisterResourceRequest the harness reads. */
interface RegisterRequest {
  getType(): string;
  getName(): string;
  getDeletebeforereplace(): boolean;
}

export function dockerMocks(applier: DockerApplier, options: { dockerHost?: string; state?: StackState } = {}): DockerMocks {
  const state = options.state ?? new StackState();
  state.begin();
  const deleteBeforeReplace = new Map<string, boolean>();
  const registered: RegisteredResource[] = [];
  const errors: Error[] = [];
  let fail: (err: Error) => void = () => {};
  const failure = new Promise<never>((_, reject) => (fail = reject));
  failure.catch(() => {});
  const record = (err: Error) => {
    errors.push(err);
    fail(err);
  };
  let inFlight = 0;
  let wake: Array<() => void> = [];
  const settle = () => {
    if (inFlight === 0) {
      const waiting = wake;
      wake = [];
      waiting.forEach((w) => w());
    }
  };

  const apply = async (type: string, name: string, inputs: Record_): Promise<Applied> => {
    switch (type) {
      case NETWORK_TYPE:
        return applier.network(name, inputs);
      case VOLUME_TYPE:
        return applier.volume(name, inputs);
      case IMAGE_TYPE:
        return applier.image(inputs);
      case REMOTE_IMAGE_TYPE:
        return applier.remoteImage(inputs);
      case CONTAINER_TYPE:
        return applier.container(name, inputs);
      case RANDOM_PASSWORD_TYPE:
        return generatePassword(inputs);
      case "pulumi:providers:docker":
        return dockerProvider(inputs, options.dockerHost ?? "unix:///var/run/docker.sock");
      default:
        throw new Error(`${type} ("${name}"): the e2e harness only applies Docker resources it translates; this resource type is not one of them`);
    }
  };

  const mocks: pulumi.runtime.Mocks = {
    async newResource(args) {
      // The stack and component resources are bookkeeping in the engine; nothing to apply.
      if (args.type === "pulumi:pulumi:Stack" || !args.custom) {
        registered.push({ type: args.type, name: args.name, custom: false, ms: 0 });
        return { id: undefined, state: {} };
      }
      const started = Date.now();
      inFlight++;
      try {
        const key = `${args.type}::${args.name}`;
        const inputs = unwrapSecrets(args.inputs) as Record_;
        const change = state.diff(key, args.type, inputs);
        if (change.kind === "same") {
          registered.push({ type: args.type, name: args.name, custom: true, id: change.previous.id, ms: 0 });
          return { id: change.previous.id, state: change.previous.state };
        }
        if (change.kind === "replace") {
          const first = deleteBeforeReplace.get(key) === true;
          state.log.push(`replace ${key} (${first ? "delete first" : "create first"}; changed: ${change.changed.join(", ")})`);
          if (first) {
            await applier.remove(change.previous.created);
            state.forget(change.previous);
          } else state.deleteLater(change.previous);
        }
        const { id, state: outputs, created } = await apply(args.type, args.name, inputs);
        state.record({ key, inputs, id, state: outputs, created: created ?? [] });
        registered.push({ type: args.type, name: args.name, custom: true, id, ms: Date.now() - started });
        return { id, state: outputs };
      } catch (err) {
        const e = err instanceof Error ? err : new Error(String(err));
        e.message = `${args.type} "${args.name}": ${e.message}`;
        record(e);
        throw e;
      } finally {
        inFlight--;
        settle();
      }
    },
    call(args) {
      const err = new Error(`invoke ${args.token}: the e2e harness does not translate provider functions`);
      record(err);
      throw err;
    },
  };

  return {
    mocks,
    registered,
    errors,
    failure,
    state,
    attach(monitor: unknown) {
      const m = monitor as { registerResource(req: RegisterRequest, cb: unknown): unknown };
      const register = m.registerResource.bind(m);
      m.registerResource = (req, cb) => {
        deleteBeforeReplace.set(`${req.getType()}::${req.getName()}`, req.getDeletebeforereplace());
        return register(req, cb);
      };
    },
    async finish() {
      for (const old of state.finish()) {
        state.log.push(`delete ${old.key}`);
        await applier.remove(old.created);
      }
    },
    idle: () => (inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => wake.push(resolve))),
  };
}

function dockerProvider(inputs: Record_, engineHost: string): Applied {
  const allowed = ["host", "version"];
  const unknown = Object.keys(inputs).filter((k) => !allowed.includes(k));
  if (unknown.length) throw new Error(`pulumi:providers:docker: the e2e harness does not translate ${unknown.join(", ")}`);
  const host = inputs["host"];
  if (host !== undefined && host !== engineHost) {
    throw new Error(`pulumi:providers:docker: host "${String(host)}" is not the engine under test (${engineHost})`);
  }
  return { id: "docker-provider", state: inputs };
}

/** Secrets arrive wrapped; the engine needs the plain values (they are still only passed to Docker). */
export function unwrapSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (value && typeof value === "object") {
    const o = value as Record_;
    if (o[SIG_KEY] === SECRET_SIG) return unwrapSecrets(o["value"]);
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, unwrapSecrets(v)]));
  }
  return value;
}
