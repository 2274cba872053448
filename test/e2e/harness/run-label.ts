/**
 * The label the harness puts on every container, network, volume and image it
 * creates, valued with the run's id: the safety net that finds leftovers.
 */
import { randomBytes } from "node:crypto";

export const RUN_LABEL = "dev.edgeform.e2e.run";

export function newRunId(): string {
  return `${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;
}
