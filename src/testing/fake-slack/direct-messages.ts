import type { FakeChannel } from "./types.js";
import type { Workspace } from "./workspace.js";

/** The IM (two members) or MPIM (more) of exactly these users, created when there is none. */
export function openConversation(
  ws: Workspace,
  members: string[],
): { channel: FakeChannel; created: boolean } {
  const wanted = new Set(members);
  const mpim = wanted.size > 2;
  for (const info of ws.listChannels()) {
    if ((mpim ? info.is_mpim : info.is_im) && info.members?.size === wanted.size) {
      if ([...wanted].every((u) => info.members!.has(u))) return { channel: info, created: false };
    }
  }
  const names = [...wanted].map((u) => ws.users.get(u)?.name ?? u);
  const channel = ws.addChannel({
    id: ws.newId(mpim ? "G" : "D"),
    name: mpim ? `mpdm-${names.join("--")}-1` : members[members.length - 1]!,
    is_im: !mpim,
    is_mpim: mpim,
    is_private: mpim,
    members: [...wanted],
  });
  return { channel, created: true };
}
