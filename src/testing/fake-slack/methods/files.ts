import { fail } from "../errors.js";
import type { Params } from "../params.js";
import { renderFile } from "../render.js";
import type { Workspace } from "../workspace.js";
import type { MethodTable } from "./context.js";

/** `files` of completeUploadExternal: a JSON array of `{ id, title? }`. */
function filesArg(params: Params): { id: string; title?: string }[] {
  const files = params.json("files", "invalid_arguments");
  if (!Array.isArray(files) || files.length === 0) return fail("invalid_arguments", { argument: "files" });
  return files.map((f) => {
    const entry = f as { id?: unknown; title?: unknown };
    if (typeof entry.id !== "string") return fail("invalid_arguments", { argument: "files" });
    return typeof entry.title === "string" ? { id: entry.id, title: entry.title } : { id: entry.id };
  });
}

/** Who may see a file: its uploader, anyone when a public channel has it, members where it is shared. */
export function canSeeFile(ws: Workspace, fileId: string, user: string): boolean {
  const file = ws.files.find(fileId);
  if (!file?.completed) return false;
  if (file.user === user) return true;
  return file.channels.some((id) => {
    const c = ws.channel(id);
    return (!c.is_private && !c.is_im && !c.is_mpim) || ws.isMember(c, user);
  });
}

export const fileMethods: MethodTable = {
  /** Reserves a file id and an upload URL on this fake; the content is POSTed there next. */
  "files.getUploadURLExternal": ({ ws, caller, params }) => {
    const filename = params.required("filename", "invalid_arguments");
    const length = params.int("length", -1);
    if (length < 1) fail("invalid_arguments", { argument: "length" });
    const file = ws.files.reserve(filename, length, caller.user_id);
    return { upload_url: `${ws.origin}/upload/v1/${file.id}`, file_id: file.id };
  },

  /** Completes uploaded files and, with `channel_id`, shares them in a message. */
  "files.completeUploadExternal": ({ ws, caller, params }) => {
    const entries = filesArg(params);
    const channelId = params.string("channel_id") ?? params.string("channels");
    const channel = channelId === undefined ? undefined : ws.memberChannel(channelId, caller.user_id);
    const files = entries.map(({ id, title }) => {
      const file = ws.files.get(id);
      if (file.user !== caller.user_id) fail("file_not_found");
      if (file.content === null) fail("file_upload_not_complete");
      if (title !== undefined) file.title = title;
      file.completed = true;
      return file;
    });
    if (channel) {
      for (const f of files) if (!f.channels.includes(channel.id)) f.channels.push(channel.id);
      ws.post(channel.id, {
        user: caller.user_id,
        bot_id: caller.bot_id,
        app_id: caller.app_id,
        text: params.string("initial_comment") ?? "",
        thread_ts: params.string("thread_ts"),
        files: files.map((f) => f.id),
      });
    }
    return { files: files.map((f) => ({ id: f.id, title: f.title })) };
  },

  "files.info": ({ ws, caller, params }) => {
    const id = params.required("file", "file_not_found");
    if (!canSeeFile(ws, id, caller.user_id)) fail("file_not_found");
    return { file: renderFile(ws, ws.files.get(id)) };
  },
};
