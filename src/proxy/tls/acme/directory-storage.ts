/**
 * ACME state as files, for topologies without a Redis tier: one directory per
 * topology and listener (mode 0700), each value a file written to a temporary
 * name and renamed into place (readers never see half a file), mode 0600
 * because the account key and the certificate key are among them. The lock is
 * a file linked into place (which fails if it exists) holding its holder's
 * token and expiry; a lock
 * whose expiry passed (its holder died) may be taken over.
 */
import { randomBytes } from "node:crypto";
import { link, mkdir, readFile, rename, rm, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { edgeformDataDir } from "../../../data-dir.js";
import type { AcmeLock, AcmeStorage } from "./storage.js";

/** Keeps a name to one safe path segment. */
function segment(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, "_").replace(/^\.+/, "_");
}

interface LockFile {
  token: string;
  expiresAt: number;
}

export class DirectoryStorage implements AcmeStorage {
  readonly description: string;
  readonly dir: string;
  private ready: Promise<unknown> | undefined;

  constructor(dataDir: string | undefined, scope: string, env: NodeJS.ProcessEnv) {
    this.dir = join(dataDir ?? join(edgeformDataDir(env), "acme"), ...scope.split("/").map(segment));
    this.description = `directory ${this.dir}`;
  }

  private path(key: string): string {
    return join(this.dir, segment(key));
  }

  private made(): Promise<unknown> {
    this.ready ??= mkdir(this.dir, { recursive: true, mode: 0o700 });
    return this.ready;
  }

  async get(key: string): Promise<string | undefined> {
    try {
      return await readFile(this.path(key), "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw e;
    }
  }

  /** ttlMs is not enforced on files: challenge answers are deleted by the order that wrote them. */
  async put(key: string, value: string): Promise<void> {
    await this.made();
    const target = this.path(key);
    const temporary = join(this.dir, `.${segment(key)}.${randomBytes(6).toString("hex")}.tmp`);
    try {
      await writeFile(temporary, value, { mode: 0o600, flag: "wx" });
      await rename(temporary, target);
    } catch (e) {
      await rm(temporary, { force: true });
      throw e;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }

  async tryLock(name: string, ttlMs: number): Promise<AcmeLock | undefined> {
    await this.made();
    const file = this.path(`${name}.lock`);
    const token = randomBytes(16).toString("hex");
    const body = (ms: number) => JSON.stringify({ token, expiresAt: Date.now() + ms } satisfies LockFile);
    if (!(await this.create(file, body(ttlMs)))) {
      const held = await this.readLock(file);
      if (held !== undefined) {
        if (held.expiresAt > Date.now()) return undefined;
        // Its holder died: take it over, unless another process did so since we read it.
        const again = await this.readLock(file);
        if (again?.token !== held.token) return undefined;
        await unlink(file).catch(() => {});
      }
      // Gone (released, or removed just above): whoever links it first holds it. A lock that
      // vanished between our two looks is never unlinked, so a fresh holder's lock is never removed.
      if (!(await this.create(file, body(ttlMs)))) return undefined;
    }
    return {
      extend: async (ms) => {
        if ((await this.readLock(file))?.token !== token) return false;
        await this.put(`${name}.lock`, body(ms));
        return true;
      },
      release: async () => {
        if ((await this.readLock(file))?.token === token) await unlink(file).catch(() => {});
      },
    };
  }

  async close(): Promise<void> {}

  /** Creates `file` with its whole content at once (link fails when it exists), so no reader sees it half-written. */
  private async create(file: string, content: string): Promise<boolean> {
    const temporary = `${file}.${randomBytes(6).toString("hex")}.tmp`;
    await writeFile(temporary, content, { mode: 0o600, flag: "wx" });
    try {
      await link(temporary, file);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
      throw e;
    } finally {
      await rm(temporary, { force: true });
    }
  }

  /** The lock's content; an unreadable one counts as expired. */
  private async readLock(file: string): Promise<LockFile | undefined> {
    try {
      const parsed = JSON.parse(await readFile(file, "utf8")) as Partial<LockFile>;
      return typeof parsed.token === "string" && typeof parsed.expiresAt === "number" ? { token: parsed.token, expiresAt: parsed.expiresAt } : { token: "", expiresAt: 0 };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      return { token: "", expiresAt: 0 };
    }
  }
}
