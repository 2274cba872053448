/**
 * What a failed `up` of a docker target means, in one sentence: the Docker
 * provider's errors (a host port in use, a name taken by a container outside
 * the stack, an image that did not build, a container that never turned
 * healthy) arrive as engine output mentioning the resource. This names the
 * resource and the fix, and says what state the stack is in: Pulumi keeps
 * what it created before the failure, so nothing is silently half-applied.
 */
import { spawnSync } from "node:child_process";
import { EdgeformError } from "../errors.js";

interface Known {
  pattern: RegExp;
  what: (m: RegExpMatchArray) => string;
  fix: (m: RegExpMatchArray) => string;
  /** The container whose last log lines explain the failure. */
  container?: (m: RegExpMatchArray) => string | undefined;
}

/** The last lines a container logged, or undefined when they cannot be read (no docker CLI, engine gone). */
export type LogTail = (container: string) => string | undefined;

const LOG_LINES = 20;

export const dockerLogTail: LogTail = (container) => {
  const run = spawnSync("docker", ["logs", "--tail", String(LOG_LINES), container], { encoding: "utf8", timeout: 5000 });
  if (run.status !== 0) return undefined;
  const text = `${run.stdout}${run.stderr}`.trimEnd();
  return text === "" ? undefined : text;
};

const KNOWN: Known[] = [
  {
    pattern: /(?:Bind for ([\d.:[\]]+):(\d+) failed: port is already allocated|listen tcp[46]? ([\d.:[\]]+):(\d+): bind: address already in use)/,
    what: (m) => `host port ${m[2] ?? m[4]} is already in use`,
    fix: (m) => `stop what listens on port ${m[2] ?? m[4]} (\`ss -ltnp 'sport = :${m[2] ?? m[4]}'\` shows it), or change the target's publishPort (or the listener's port) in the spec`,
  },
  {
    pattern: /The container name "\/?([^"]+)" is already in use/,
    what: (m) => `a container named "${m[1]}" already exists outside this stack`,
    fix: (m) => `remove it (\`docker rm -f ${m[1]}\`) if it is a leftover, or deploy under another topology name`,
  },
  {
    pattern: /(?:failed to solve|error building image|failed to build|build failed)[^\n]*/i,
    what: (m) => `the image build failed: ${m[0].trim()}`,
    fix: () => "run `npm run build` first when deploying from a clone, check the target's images.base names an image with Node.js 22 that the engine can pull, and read the build output above",
  },
  {
    pattern: /(?:container (\S+) (?:failed to be in healthy state|is unhealthy|did not become healthy)|failed to reach (?:a )?healthy state)[^\n]*/i,
    what: (m) => `a container never turned healthy: ${m[0].trim()}`,
    // The provider names the container by id; the Pulumi resource name is not the container's.
    fix: (m) => `read its last log lines (\`docker logs --tail 50 ${m[1] ?? "<container>"}\`); raise the target's healthTimeout if it is only slow to start`,
    container: (m) => m[1],
  },
];

/** The resource a Pulumi diagnostic line is about: `  docker:index/container:Container (shop-edge-0):`. */
const RESOURCE_LINE = /(docker:index\/\w+:\w+)\s+\(([^)]+)\)/g;

export function explainDockerFailure(output: string, logTail: LogTail = dockerLogTail): EdgeformError | undefined {
  for (const known of KNOWN) {
    const m = output.match(known.pattern);
    if (!m) continue;
    const before = output.slice(0, m.index ?? 0);
    const resources = [...before.matchAll(RESOURCE_LINE)];
    const last = resources.at(-1);
    const where = last ? `${last[1]} "${last[2]}"` : "a Docker resource";
    const container = known.container?.(m);
    const logs = container === undefined ? undefined : logTail(container);
    const logged = logs === undefined ? "" : `\n  its last ${LOG_LINES} log lines:\n${logs.split("\n").map((l) => `    ${l}`).join("\n")}`;
    return new EdgeformError("EF_DOCKER_APPLY", `${where}: ${known.what(m)}${logged}`, {
      hint: `${known.fix(m)}; what \`up\` created before the failure stays in the stack (\`edgeform up\` again continues from there, \`edgeform destroy\` removes it)`,
    });
  }
  return undefined;
}
