/**
 * The client's address as requests, upgrades and logs report it: IPv4
 * unmapped, computed once per connection and remembered on the socket.
 */
import type { Socket } from "node:net";
import { unmapIPv4 } from "./headers.js";

const kClient = Symbol("edgeform.client");
type TaggedSocket = Socket & { [kClient]?: string };

export function clientAddress(socket: Socket): string {
  const s = socket as TaggedSocket;
  return (s[kClient] ??= unmapIPv4(socket.remoteAddress ?? ""));
}
