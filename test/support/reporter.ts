/**
 * A node:test reporter: the spec reporter's output, then one summary line
 * `N passed, N failed`. Skipped and todo tests count as failed: a test that
 * does not run proves nothing.
 */
import { Readable } from "node:stream";
import { spec } from "node:test/reporters";
import type { TestEvent } from "node:test/reporters";

export default async function* reporter(source: AsyncIterable<TestEvent>): AsyncGenerator<string> {
  let passed = 0;
  let failed = 0;
  const notRun: string[] = [];
  async function* count(): AsyncGenerator<TestEvent> {
    for await (const event of source) {
      if (event.type === "test:pass" || event.type === "test:fail") {
        const data = event.data as { name: string; skip?: unknown; todo?: unknown; details: { type?: string } };
        if (data.details.type !== "suite") {
          if (event.type === "test:fail") failed++;
          else if (data.skip !== undefined || data.todo !== undefined) {
            failed++;
            notRun.push(data.name);
          } else passed++;
        }
      }
      yield event;
    }
  }
  for await (const chunk of Readable.from(count()).pipe(new spec())) yield String(chunk);
  if (notRun.length) yield `not run (counted as failed): ${notRun.join(", ")}\n`;
  yield `${passed} passed, ${failed} failed\n`;
}
