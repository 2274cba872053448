/**
 * The images the e2e topology runs, built without a registry: base images
 * FROM scratch out of this machine's binaries (Node 22 from the project's own
 * node_modules/node, Debian's redis-server and prometheus), and the project's
 * real images/edge-proxy.Dockerfile and images/demo-origin.Dockerfile built
 * on that Node base through their BASE_IMAGE argument (they copy the host's
 * dist/ and production node_modules and run nothing, so need no network).
 */
import { existsSync, realpathSync } from "node:fs";
import { join } from "node:path";
import type Docker from "dockerode";
import { buildContextEntries, packEntries, treeEntries, type TarEntry } from "../harness/build-context.js";
import { buildImage } from "../harness/image-build.js";
import { findExecutable } from "../../support/docker.js";
import { binaryEntries, withParentDirectories } from "./host-binaries.js";

export interface ScratchImageTags {
  /** The Node.js 22 base (the target's images.base). */
  node: string;
  /** Optional: the e2e stack builds the edge proxy itself. */
  edge?: string;
  /** Optional: the e2e stack builds the demo origin itself. */
  origin?: string;
  redis: string;
  prometheus: string;
  /** Built only when the spec's target overrides the Alertmanager image. */
  alertmanager?: string;
}

export interface BuildScratchOptions {
  /** Repository root (with a built dist/). */
  root: string;
  tags: ScratchImageTags;
  /** Labels for every image (the harness's run label). */
  labels: Record<string, string>;
  log?: (line: string) => void;
}

export interface ScratchBuildReport {
  /** Tag → build time in ms, in build order. */
  timings: Array<{ tag: string; ms: number }>;
  /** Every tag built, intermediate bases included (for cleanup). */
  built: string[];
}

const USERS = "root:x:0:0:root:/root:/sbin/nologin\nnode:x:1000:1000:node:/home/node:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n";
const GROUPS = "root:x:0:\nnode:x:1000:\nnogroup:x:65534:\n";
const PATH_ENV = "ENV PATH=/usr/local/bin:/usr/bin:/bin";
/** Debian's prometheus package keeps the web UI's static files here. */
const PROMETHEUS_WEB_ASSETS = "/usr/share/prometheus";
/** Debian's Alertmanager reads its notification templates (default.tmpl) from here and will not start without them. */
const ALERTMANAGER_ASSETS = "/usr/share/prometheus/alertmanager";

/** Files every image gets: users for USER lines, a world-writable /tmp. */
function basicRootfs(): TarEntry[] {
  return [
    { name: "rootfs/etc/passwd", type: "file", content: Buffer.from(USERS) },
    { name: "rootfs/etc/group", type: "file", content: Buffer.from(GROUPS) },
    { name: "rootfs/tmp", type: "directory", mode: 0o1777 },
  ];
}

export async function buildScratchImages(docker: Docker, options: BuildScratchOptions): Promise<ScratchBuildReport> {
  const { root, tags } = options;
  const log = options.log ?? (() => {});
  const report: ScratchBuildReport = { timings: [], built: [] };
  const nodeTag = tags.node;

  const timed = async (tag: string, what: string, context: TarEntry[], options_: Record<string, unknown>) => {
    const started = Date.now();
    await buildImage(docker, packEntries(context), { t: tag, labels: options.labels, rm: true, forcerm: true, pull: false, ...options_ });
    report.built.push(tag);
    report.timings.push({ tag, ms: Date.now() - started });
    log(`built ${tag}${what} in ${Date.now() - started} ms`);
  };
  /** An image FROM scratch: `dockerfile` plus a `rootfs/` tree (and any extra directories) as its context. */
  const build = (tag: string, dockerfile: string, rootfs: TarEntry[], extraDirs: Parameters<typeof withParentDirectories>[1] = []) =>
    timed(tag, "", [{ name: "Dockerfile", type: "file", content: Buffer.from(dockerfile) }, ...withParentDirectories(rootfs, extraDirs)], {});

  await build(nodeTag, ...nodeBase(root));

  // The rest is independent: build it side by side (the engine overlaps the I/O).
  // allSettled, so no build is still running when an error is reported.
  const builds = await Promise.allSettled([
    // The project's own Dockerfiles, on that base: they copy what the host built and run nothing.
    ...[...(tags.edge ? [[tags.edge, "edge-proxy.Dockerfile"] as const] : []), ...(tags.origin ? [[tags.origin, "demo-origin.Dockerfile"] as const] : [])].map(([tag, file]) => {
      const { entries, dockerfileName } = buildContextEntries(root, join(root, "images", file));
      return timed(tag, ` from images/${file}`, entries, { dockerfile: dockerfileName, buildargs: { BASE_IMAGE: nodeTag } });
    }),
    // Redis as the official image lays it out: binaries on PATH, /data as the working directory.
    build(
      tags.redis,
      `FROM scratch\nCOPY rootfs/ /\n${PATH_ENV}\nWORKDIR /data\nEXPOSE 6379\nCMD ["redis-server"]\n`,
      [...basicRootfs(), ...prefixed(binaryEntries(requireBinary("redis-server"), "/usr/local/bin/redis-server")), ...prefixed(binaryEntries(requireBinary("redis-cli"), "/usr/local/bin/redis-cli"))],
      [{ path: "rootfs/data", mode: 0o755 }],
    ),
    // Prometheus as prom/prometheus lays it out: /bin/prometheus, config in /etc/prometheus, data in /prometheus owned by nobody.
    build(
      tags.prometheus,
      // COPY makes files root's; the data directory gets its owner from --chown.
      "FROM scratch\nCOPY rootfs/ /\nCOPY --chown=65534:65534 prometheus-data/ /prometheus/\nUSER nobody\nEXPOSE 9090\nWORKDIR /prometheus\n" +
        'ENTRYPOINT ["/bin/prometheus"]\nCMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]\n',
      [
        ...basicRootfs(),
        ...prefixed(binaryEntries(requireBinary("prometheus"), "/bin/prometheus")),
        ...prefixed(binaryEntries(requireBinary("promtool"), "/bin/promtool")),
        ...(existsSync(PROMETHEUS_WEB_ASSETS) ? treeEntries(PROMETHEUS_WEB_ASSETS, `rootfs${PROMETHEUS_WEB_ASSETS}`) : []),
      ],
      [{ path: "rootfs/etc/prometheus", mode: 0o755 }, { path: "prometheus-data", mode: 0o755 }],
    ),
    // Alertmanager as prom/alertmanager lays it out: /bin/alertmanager, config in /etc/alertmanager, data in /alertmanager owned by nobody.
    ...(tags.alertmanager === undefined ? [] : [build(
      tags.alertmanager,
      "FROM scratch\nCOPY rootfs/ /\nCOPY --chown=65534:65534 alertmanager-data/ /alertmanager/\nUSER nobody\nEXPOSE 9093\nWORKDIR /alertmanager\n" +
        'ENTRYPOINT ["/bin/alertmanager"]\nCMD ["--config.file=/etc/alertmanager/alertmanager.yml", "--storage.path=/alertmanager"]\n',
      [
        ...basicRootfs(),
        ...prefixed(binaryEntries(requireBinary("prometheus-alertmanager"), "/bin/alertmanager")),
        ...treeEntries(ALERTMANAGER_ASSETS, `rootfs${ALERTMANAGER_ASSETS}`),
      ],
      [{ path: "rootfs/etc/alertmanager", mode: 0o755 }, { path: "alertmanager-data", mode: 0o755 }],
    )]),
  ]);
  const failed = builds.find((b): b is PromiseRejectedResult => b.status === "rejected");
  if (failed) throw failed.reason;
  return report;
}

/**
 * Node 22: the binary the project's tests run on, with the libraries it links, and a
 * POSIX shell as node:22-slim has one (CMD-SHELL health checks run /bin/sh -c).
 */
function nodeBase(root: string): [string, TarEntry[]] {
  const node = realpathSync(join(root, "node_modules", "node", "bin", "node"));
  return [
    `FROM scratch\nCOPY rootfs/ /\n${PATH_ENV}\n`,
    [...basicRootfs(), ...prefixed(binaryEntries(node, "/usr/local/bin/node")), ...prefixed(binaryEntries(requireBinary("dash"), "/bin/sh"))],
  ];
}

/** Only the Node.js 22 base (a stand-in for node:22-bookworm-slim), tagged `tag`. */
export async function buildNodeBaseImage(docker: Docker, options: { root: string; tag: string; labels: Record<string, string> }): Promise<void> {
  const [dockerfile, rootfs] = nodeBase(options.root);
  const context = [{ name: "Dockerfile", type: "file" as const, content: Buffer.from(dockerfile) }, ...withParentDirectories(rootfs)];
  await buildImage(docker, packEntries(context), { t: options.tag, labels: options.labels, rm: true, forcerm: true, pull: false });
}

function requireBinary(name: string): string {
  const path = findExecutable(name, ["/usr/sbin", "/usr/bin", "/bin"]);
  if (!path) throw new Error(`${name} is not installed: apt-get install -y ${name === "promtool" ? "prometheus" : name === "redis-cli" ? "redis-tools" : name}`);
  return path;
}

function prefixed(entries: TarEntry[]): TarEntry[] {
  return entries.map((e) => ({ ...e, name: `rootfs/${e.name}` }));
}

/** Removes the images a build made: the independent ones side by side, then the base they share. */
export async function removeScratchImages(docker: Docker, report: ScratchBuildReport): Promise<string[]> {
  const remove = async (tag: string): Promise<string[]> => {
    try {
      await docker.getImage(tag).remove({ force: true });
      return [];
    } catch (err) {
      return (err as { statusCode?: number }).statusCode === 404 ? [] : [`image ${tag}: ${(err as Error).message}`];
    }
  };
  const [base, ...rest] = report.built;
  const failures = (await Promise.all(rest.map(remove))).flat();
  return base === undefined ? failures : [...failures, ...(await remove(base))];
}
