/**
 * Command lines for the optional services dev runs next to the topology:
 * redis-server for a cache's shared tier and Prometheus with the plan's
 * generated config. Both bind loopback only and keep no state beyond the run.
 */
import { join } from "node:path";
import { parse, stringify } from "yaml";

export function redisArgs(port: number, maxMemoryBytes: number, dir: string): string[] {
  return [
    "--port", String(port),
    "--bind", "127.0.0.1",
    "--save", "",
    "--appendonly", "no",
    "--dir", dir,
    "--maxmemory", String(maxMemoryBytes),
    "--maxmemory-policy", "allkeys-lru",
    // Startup banners drown the topology's own logs; warnings still show.
    "--loglevel", "warning",
  ];
}

export function prometheusArgs(opts: { configFile: string; storageDir: string; port: number; retentionMs: number }): string[] {
  return [
    `--config.file=${opts.configFile}`,
    `--storage.tsdb.path=${opts.storageDir}`,
    `--storage.tsdb.retention.time=${Math.max(1, Math.round(opts.retentionMs / 1000))}s`,
    `--web.listen-address=127.0.0.1:${opts.port}`,
    "--log.level=warn",
  ];
}

/**
 * The plan's prometheus.yml with `rule_files` pointing at the rules file dev
 * wrote: the generated config names the path used inside the container.
 */
export function prometheusConfigForDev(configYaml: string, rulesYaml: string, dir: string): { config: string; rulesFile?: string } {
  const doc = (parse(configYaml) ?? {}) as Record<string, unknown>;
  if (rulesYaml.trim() === "") {
    delete doc["rule_files"];
    return { config: stringify(doc) };
  }
  const rulesFile = join(dir, "rules.yml");
  doc["rule_files"] = [rulesFile];
  return { config: stringify(doc), rulesFile };
}
