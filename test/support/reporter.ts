/**
 * A node:test reporter: the spec reporter's output, then one summary line
 * `N passed, N failed`. Skipped and todo tests count as failed: a test that
 * does not run proves nothing; so does a test file without tests.
 */
import { Readable } from "node:stream";
import { spec } from "node:test/reporters";
import type { TestEvent } from "node:test/reporters";

const filtered = Boolean(process.env["EDGEFORM_TEST_FILTER"]);

/** The entry node --test makes for a file whose own tests it did not report (none ran, or it crashed loading). */
function isWholeFile(data: { name: string; file?: string; nesting: number }): boolean {
  return data.nesting === 0 && data.file !== undefined && data.file.endsWith(data.name);
}

export default async function* reporter(source: AsyncIterable<TestEvent>): AsyncGenerator<string> {
  let passed = 0;
  let failed = 0;
  const notRun: string[] = [];
  async function* count(): AsyncGenerator<TestEvent> {
    for await (const event of source) {
      if (event.type === "test:pass" || event.type === "test:fail") {
        const data = event.data as { name: string; file?: string; nesting: number; skip?: unknown; todo?: unknown; details: { type?: string } };
        if (event.type === "test:pass" && isWholeFile(data)) {
          // A file reported as one passing test ran none of its own: in a
          // filtered run (EDGEFORM_TEST_FILTER) that is expected and proves
          // nothing; otherwise a test file without tests is a defect.
          if (!filtered) {
            failed++;
            notRun.push(`${data.name} (no tests)`);
          }
        } else if (data.details.type !== "suite") {
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
