import type { FilesUploadV2Arguments } from "@slack/web-api";
import { z } from "zod";
import { failed, ok, slackCall } from "../results.js";
import { clientOf, type RegisterTool, type ToolDeps } from "./deps.js";
import { outcome } from "./outputs.js";
import { channelArg, tsArg } from "./schemas.js";

type Obj = Record<string, unknown>;

const TEXT_TYPES = /^(text\/|application\/(json|xml|javascript|x-yaml|yaml|csv|x-sh|sql))/;

/** Where a file's url_private may point: Slack's own hosts, or the API host (a fake Slack in tests). */
function downloadAllowed(url: string, apiUrl: string | undefined): boolean {
  try {
    const target = new URL(url);
    if (apiUrl !== undefined && target.origin === new URL(apiUrl).origin) return true;
    return (
      target.protocol === "https:" &&
      (target.hostname === "slack.com" || target.hostname.endsWith(".slack.com"))
    );
  } catch {
    return false;
  }
}

/** Up to `max` bytes of the body; the rest is not read. */
async function readCapped(res: Response, max: number): Promise<{ bytes: Buffer; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  const reader = res.body?.getReader();
  if (!reader) return { bytes: Buffer.alloc(0), truncated: false };
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { bytes: Buffer.concat(chunks), truncated: false };
    chunks.push(Buffer.from(value));
    size += value.length;
    if (size > max) {
      await reader.cancel().catch(() => {});
      return { bytes: Buffer.concat(chunks).subarray(0, max), truncated: true };
    }
  }
}

const fileOut = z.looseObject({
  id: z.string(),
  name: z.string().optional(),
  mimetype: z.string().optional(),
});

export function registerFileTools(register: RegisterTool, deps: ToolDeps): void {
  const { policy, config } = deps;
  register(
    "slack_upload_file",
    {
      title: "Upload a file to Slack",
      description:
        "Share a text file (or base64 bytes) in a channel or thread, with an optional comment. Returns the file id.",
      inputSchema: {
        channel: channelArg,
        filename: z.string().min(1).max(255).describe('e.g. "report.md".'),
        content: z.string().max(4_000_000).optional().describe("The file's text."),
        content_base64: z.string().max(5_400_000).optional().describe("Or its bytes, base64-encoded."),
        title: z.string().optional(),
        initial_comment: z.string().optional().describe("Message text posted with the file."),
        thread_ts: tsArg("Share it in this thread.").optional(),
      },
      outputSchema: outcome({ channel: z.string(), file_id: z.string(), title: z.string() }),
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: false,
        openWorldHint: true,
      },
    },
    async ({ channel, filename, content, content_base64, title, initial_comment, thread_ts }) => {
      const denied = policy.check(channel);
      if (denied) return denied;
      if ((content === undefined) === (content_base64 === undefined))
        return failed("invalid_arguments", "Give exactly one of content and content_base64.");
      const data = content !== undefined ? { content } : { file: Buffer.from(content_base64!, "base64") };
      const args = {
        channel_id: channel,
        filename,
        title: title ?? filename,
        ...data,
        ...(initial_comment ? { initial_comment } : {}),
        ...(thread_ts ? { thread_ts } : {}),
      } as FilesUploadV2Arguments;
      return slackCall("files.completeUploadExternal", async () => {
        const res = (await clientOf(deps.bot).files.uploadV2(args)) as {
          files?: { files?: { id?: string; title?: string }[] }[];
        };
        const completed = res.files?.[0]?.files?.[0];
        return ok({
          ok: true,
          channel,
          file_id: completed?.id ?? "",
          title: completed?.title ?? title ?? filename,
        });
      });
    },
  );

  register(
    "slack_read_file",
    {
      title: "Read a Slack file",
      description:
        `The text of a shared file (text, markdown, CSV, JSON…), at most max_bytes (default and cap ${config.fileMaxBytes}). ` +
        "Binary files return their details without content.",
      inputSchema: {
        file: z
          .string()
          .regex(/^F[A-Z0-9]+$/, "a file id like F0123ABCD")
          .describe("File id (F…), from a message's files."),
        max_bytes: z.number().int().min(1).max(config.fileMaxBytes).optional(),
      },
      outputSchema: outcome({
        file: fileOut,
        content: z.string().nullable().describe("null for binary files"),
        truncated: z.boolean(),
        bytes: z.number(),
      }),
      annotations: { readOnlyHint: true, openWorldHint: true },
    },
    async ({ file, max_bytes }) =>
      slackCall("files.info", async () => {
        const res = await clientOf(deps.bot).files.info({ file });
        const info = (res.file ?? {}) as Obj;
        const meta = {
          id: file,
          name: info.name,
          title: info.title,
          mimetype: info.mimetype,
          size: info.size,
          permalink: info.permalink,
        };
        const mimetype = String(info.mimetype ?? "");
        if (!TEXT_TYPES.test(mimetype)) return ok({ file: meta, content: null, truncated: false, bytes: 0 });
        const url = String(info.url_private_download ?? info.url_private ?? "");
        if (!downloadAllowed(url, config.slackApiUrl))
          return failed("file_download_refused", `Not downloading ${url}: not a Slack file URL.`, { file });
        const download = await fetch(url, {
          headers: { authorization: `Bearer ${config.slackToken}` },
          signal: AbortSignal.timeout(10_000),
        });
        const type = download.headers.get("content-type") ?? "";
        // Slack answers its sign-in page (200, HTML) to a token that may not download the file.
        if (!download.ok || (type.startsWith("text/html") && !mimetype.startsWith("text/html"))) {
          await download.body?.cancel().catch(() => {});
          return failed(
            "file_download_failed",
            `Slack did not serve ${file}'s content to this token (is files:read granted?).`,
            { file },
          );
        }
        const { bytes, truncated } = await readCapped(download, max_bytes ?? config.fileMaxBytes);
        return ok({ file: meta, content: bytes.toString("utf8"), truncated, bytes: bytes.length });
      }),
  );
}
