/**
 * One catalogue of edgeform's error codes. Codes are stable: users search for
 * them and tests match on them, so never rename one — add a new code instead.
 */
export const ErrorCodes = {
  // spec: loading and validation
  EF_SPEC_IO: "the spec file could not be read",
  EF_SPEC_SYNTAX: "the file is not valid YAML or JSON",
  EF_SPEC_DUPLICATE_KEY: "a mapping has the same key twice",
  EF_SPEC_TAB_INDENT: "tabs used for indentation",
  EF_SPEC_SCHEMA_TYPE: "a value has the wrong type",
  EF_SPEC_SCHEMA_REQUIRED: "a required key is missing",
  EF_SPEC_SCHEMA_UNKNOWN_KEY: "a key that the schema does not know",
  EF_SPEC_SCHEMA_ENUM: "a value that is not one of the allowed values",
  EF_SPEC_SCHEMA_RANGE: "a number outside its allowed range",
  EF_SPEC_SCHEMA_FORMAT: "a string that does not have the expected format",
  EF_SPEC_SCHEMA_LENGTH: "a string, list or map that is too short or too long",
  EF_SPEC_SCHEMA: "the document does not match the schema",
  EF_SPEC_VERSION: "an unsupported spec version",
  EF_SPEC_UNKNOWN_FLEET: "a reference to a fleet that is not defined",
  EF_SPEC_UNKNOWN_CACHE: "a reference to a cache that is not defined",
  EF_SPEC_UNKNOWN_LISTENER: "a reference to a listener that is not defined",
  EF_SPEC_UNKNOWN_SECRET: "a reference to a secret that is not declared",
  EF_SPEC_DUPLICATE_NAME: "two things share a name that must be unique",
  EF_SPEC_PORT_CLASH: "two listeners or services use the same port",
  EF_SPEC_FLEET_SOURCE: "a fleet needs exactly one of image or endpoints",
  EF_SPEC_FLEET_PORT: "a provisioned fleet needs a port",
  EF_SPEC_TCP_ROUTE_OPTION: "a TCP listener or route uses an HTTP-only option",
  EF_SPEC_TCP_LISTENER_FLEET: "a TCP listener needs a fleet, an HTTP listener must not have one",
  EF_SPEC_UNREACHABLE_ROUTE: "a route can never match because an earlier route catches its traffic",
  EF_SPEC_ZERO_WEIGHTS: "every weight is zero, so no backend can be chosen",
  EF_SPEC_HEALTH_TIMEOUT: "a health check timeout is not shorter than its interval",
  EF_SPEC_HASH_KEY: "consistent hashing needs a key, other algorithms must not have one",
  EF_SPEC_TARGET: "a target-specific rule is broken",
  EF_SPEC_AWS_REGION: "an AWS region name that is not well formed",
  EF_SPEC_AWS_HTTPS: "an AWS entry point that would not be HTTPS",
  EF_SPEC_AWS_KEEPALIVE: "the proxy's keep-alive does not outlast the load balancer's idle timeout",
  EF_SPEC_AWS_SIZE: "a size Fargate or ElastiCache does not offer",
  EF_SPEC_RESERVED_NAME: "a name edgeform keeps for its own resources",
  EF_SPEC_DOCKER_PORT: "a port that Docker cannot publish",
  EF_SPEC_NO_ROUTES: "HTTP listeners exist but no route serves them",
  EF_SPEC_ENDPOINT: "an endpoint that is not host:port",
  EF_SPEC_RETRY: "a retry policy that cannot work",
  EF_SPEC_UNKNOWN_TARGET: "a target name that the spec does not define",
  EF_SPEC_TLS: "a TLS option on a listener or fleet that cannot apply there",
  EF_SPEC_TLS_FILE: "a certificate, key or CA file that cannot be read",
  EF_SPEC_TLS_PEM: "a certificate or key that is not valid PEM, or a key that does not match its certificate",
  EF_SPEC_TLS_NAME: "a certificate that does not cover a host routed to its listener",
  EF_SPEC_TLS_EXPIRY: "a certificate that has expired or expires soon",
  EF_SPEC_TLS_VERIFY_OFF: "TLS to a fleet without verifying the origin's certificate",
  EF_SPEC_UNKNOWN_RECEIVER: "an alert route names a receiver that is not defined",
  EF_SPEC_ALERT_LABEL: "an alert matcher uses a label or value no generated alert sets",
  EF_SPEC_ALERT_ROUTE: "alert delivery is configured in a way that cannot deliver",
  EF_SPEC_SLO: "a service-level objective that cannot be measured",
  // plan
  EF_PLAN: "the plan could not be built",
  // proxy
  EF_PROXY_CONFIG: "the proxy runtime config is invalid",
  EF_PROXY_LISTEN: "a listener could not bind its port",
  EF_PROXY_CACHE_PURGE: "a cache purge is invalid or did not reach every cache tier",
  EF_PROXY_TLS: "a certificate or key could not be loaded, or a TLS handshake with an origin failed",
  EF_PROXY_ACME: "an ACME order for an automatic certificate failed (it is retried with back-off)",
  EF_PROXY_DISCOVERY: "a fleet's backends could not be discovered (DNS lookup failed or returned nothing)",
  // dev runner
  EF_DEV_NO_COMMAND: "a fleet has an image but no dev.command",
  EF_DEV_PORT_IN_USE: "a port the topology needs is already in use",
  EF_DEV_CHILD_FAILED: "a process started by edgeform dev failed",
  // pulumi / provisioning
  EF_PULUMI_CLI_MISSING: "the pulumi CLI is not installed",
  EF_PULUMI_CREDENTIALS: "cloud or Docker credentials are missing",
  EF_COMPONENT_ARGS: "a component was given arguments that cannot work together",
  EF_PULUMI_SECRET_MISSING: "a secret the topology references is not set in Pulumi stack config",
  EF_PULUMI_TLS_FILE: "a certificate, key or CA file to upload into the edge containers cannot be read",
  EF_PULUMI_ENGINE: "the Pulumi engine reported a failure",
  EF_DOCKER_APPLY: "the Docker engine refused or failed a resource of a docker target",
  // cli
  EF_CLI_USAGE: "the command line is not valid",
  EF_CLI_FILE_EXISTS: "a file the command would write already exists",
  EF_INTERNAL: "an internal error; please report it",
} as const;

export type ErrorCode = keyof typeof ErrorCodes;

/** Exit codes shared by every CLI command. */
export const ExitCode = { ok: 0, invalid: 1, usage: 2, internal: 3 } as const;

/**
 * An error a user can act on: a stable code, a sentence saying what went wrong
 * and where, and (when we know one) how to fix it.
 */
export class EdgeformError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  constructor(code: ErrorCode, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "EdgeformError";
    this.code = code;
    this.hint = options.hint;
  }

  /** One-line rendering for terminals and logs: `EF_X: message (hint)`. */
  override toString(): string {
    return `${this.code}: ${this.message}${this.hint ? `\n  fix: ${this.hint}` : ""}`;
  }
}

export function isEdgeformError(e: unknown): e is EdgeformError {
  return e instanceof EdgeformError;
}
