import type { Command } from "commander";
import type { Io } from "../io.js";

export function register(_program: Command, _io: Io, _setExit: (code: number) => void): void {
  // TODO(origin): not yet implemented
}
