/**
 * Least-request with power of two choices: of two random backends, prefer
 * the one with fewer requests in flight per unit of weight, so a weight-2
 * backend is "as busy" as a weight-1 backend when it carries twice the
 * requests. Weight 0 never wins a comparison.
 */
import type { BackendState } from "../contracts.js";
import { PowerOfTwoSelector } from "./power-of-two.js";

export class LeastRequestSelector extends PowerOfTwoSelector {
  readonly algorithm = "least-request";

  protected cost(state: BackendState): number {
    const w = state.backend.weight;
    return w > 0 ? (state.inflight + 1) / w : Infinity;
  }
}
