/**
 * edgeform's library entry: the spec and plan APIs. Pulumi components are a
 * separate entry (`edgeform/components`) so importing the spec API never
 * loads Pulumi, and nothing here loads commander.
 */
export * from "./spec/index.js";
export * from "./plan/index.js";
export { EdgeformError, ErrorCodes, ExitCode, isEdgeformError, type ErrorCode } from "./errors.js";
