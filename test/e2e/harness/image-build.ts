/**
 * `docker build` through dockerode: follow the engine's progress stream to
 * its end, turn an error event into a rejection with the build's output, and
 * leave nothing behind when a build fails.
 */
import type Docker from "dockerode";

/**
 * Runs a build and resolves when the engine's progress stream ends; rejects
 * on a build error. A failed build leaves its finished steps behind as
 * untagged, unlabelled cache images: those are removed before rejecting.
 */
export async function buildImage(docker: Docker, context: NodeJS.ReadableStream, options: Record<string, unknown>): Promise<void> {
  const stream = await docker.buildImage(context, options as Docker.ImageBuildOptions);
  const output: string[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      docker.modem.followProgress(
        stream,
        (err: Error | null) => (err ? reject(err) : resolve()),
        (event: { stream?: string; error?: string; errorDetail?: { message: string } }) => {
          if (event.stream) output.push(event.stream);
          if (event.error) reject(new Error(`docker build ${String(options["t"])} failed: ${event.errorDetail?.message ?? event.error}\n${output.join("").slice(-2000)}`));
        },
      );
    });
  } catch (err) {
    await removeStepImages(docker, output.join(""));
    throw err;
  }
}

/** The classic builder prints " ---> <id>" per finished step; remove the untagged ones, newest first. */
async function removeStepImages(docker: Docker, log: string): Promise<void> {
  const ids = [...log.matchAll(/^ ---> ([0-9a-f]{12})$/gm)].map((m) => m[1]!);
  for (const id of ids.reverse()) {
    try {
      const info = await docker.getImage(id).inspect();
      // A tagged image (the FROM base) is not the build's to remove.
      if (!(info.RepoTags ?? []).length) await docker.getImage(id).remove({ noprune: false });
    } catch {
      // gone already (removing a child pruned it) or still needed by another image
    }
  }
}
