/** The ACME storage a listener's config names: the Redis tier when there is one, else the directory. */
import type { AcmeStorageConfig } from "../../../plan/tls-config.js";
import type { Logger } from "../../runtime/log.js";
import { DirectoryStorage } from "./directory-storage.js";
import { RedisStorage } from "./redis-storage.js";
import type { AcmeStorage } from "./storage.js";

export function openAcmeStorage(config: AcmeStorageConfig, logger: Logger, env: NodeJS.ProcessEnv = process.env): AcmeStorage {
  return config.redis ? new RedisStorage(config.redis, config.scope, logger, env) : new DirectoryStorage(config.dataDir, config.scope, env);
}
