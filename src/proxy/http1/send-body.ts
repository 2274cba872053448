/**
 * Streams a body (a cache layer's response) to a client response with
 * backpressure both ways: what stream.pipeline does for Writables, for the
 * ProxyResponse shape. Either side failing ends both.
 */
import type { Readable } from "node:stream";
import type { ProxyResponse } from "./types.js";

/** `done` is called once: without an error when the whole body was handed to the client. */
export function sendBody(body: Readable, res: ProxyResponse, done: (err: Error | undefined) => void): void {
  let settled = false;
  const settle = (err: Error | undefined): void => {
    if (settled) return;
    settled = true;
    body.off("data", onData);
    if (err !== undefined) {
      body.destroy();
      res.destroy();
    }
    done(err);
  };
  const onData = (chunk: Buffer): void => {
    if (res.write(chunk)) return;
    body.pause();
    res.once("drain", () => body.resume());
  };
  body.on("data", onData);
  body.once("end", () => {
    res.end();
    settle(undefined);
  });
  body.once("error", (err: Error) => settle(err));
  body.once("close", () => {
    if (!body.readableEnded) settle(Object.assign(new Error("the response body closed before its end"), { code: "ERR_STREAM_PREMATURE_CLOSE" }));
  });
  res.on("close", () => {
    if (!settled) settle(Object.assign(new Error("the client closed the connection"), { code: "ERR_STREAM_PREMATURE_CLOSE" }));
  });
}
