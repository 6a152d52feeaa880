import { fail } from "./errors.js";
import type { FakeFile } from "./types.js";

const MIME_BY_EXTENSION: Record<string, string> = {
  txt: "text/plain",
  md: "text/markdown",
  csv: "text/csv",
  json: "application/json",
  log: "text/plain",
  html: "text/html",
  png: "image/png",
  jpg: "image/jpeg",
  pdf: "application/pdf",
};

const extensionOf = (name: string): string => /\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase() ?? "";

/** Files by id, through their life: reserved, uploaded, completed (shared). */
export class FileStore {
  private readonly files = new Map<string, FakeFile>();

  constructor(private readonly nextId: (prefix: string) => string) {}

  /** files.getUploadURLExternal: a file id for `length` bytes still to come. */
  reserve(name: string, length: number, user: string, mimetype?: string): FakeFile {
    const ext = extensionOf(name);
    const file: FakeFile = {
      id: this.nextId("F"),
      name,
      title: name,
      mimetype: mimetype ?? MIME_BY_EXTENSION[ext] ?? "application/octet-stream",
      filetype: ext === "" ? "binary" : ext === "txt" ? "text" : ext,
      size: length,
      content: null,
      user,
      created: Math.floor(Date.now() / 1000),
      channels: [],
      completed: false,
    };
    this.files.set(file.id, file);
    return file;
  }

  /** The bytes posted to the upload URL. */
  receive(id: string, content: Buffer): FakeFile {
    const file = this.files.get(id) ?? fail("file_not_found");
    file.content = content;
    file.size = content.length;
    return file;
  }

  get(id: string): FakeFile {
    return this.files.get(id) ?? fail("file_not_found");
  }

  find(id: string): FakeFile | undefined {
    return this.files.get(id);
  }
}
