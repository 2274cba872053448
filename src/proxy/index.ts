/**
 * The edge proxy (data plane). Run it with `node dist/src/proxy/main.js
 * --config <file>` or `edgeform proxy <spec>`; embed it with startProxy().
 */
export { startProxy, type RunningProxy, type StartOptions } from "./proxy.js";
export { readRuntimeConfig, validateRuntimeConfig } from "./config.js";
export { createLogger, type Logger } from "./log.js";
