/**
 * The edge proxy (data plane). Run it with `node dist/src/proxy/main.js
 * --config <file>` or `edgeform proxy <spec>`; embed it with startProxy().
 */
export { startProxy, type RunningProxy, type StartOptions } from "./runtime/proxy.js";
export { readRuntimeConfig, validateRuntimeConfig } from "./runtime/config.js";
export { createLogger, type Logger } from "./runtime/log.js";
