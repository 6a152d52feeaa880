import type { Lookup, RecentSummary, SettledView } from "../../api-types.js";
import { getJson } from "./api.js";
import { byId, el, replaceRows } from "./dom.js";
import { int, when } from "./format.js";

const RESULT_TEXT: Record<SettledView["result"], string> = {
  acked: "acked",
  skipped_processed: "skipped (processed)",
  retried: "retried",
  dead_lettered: "dead-lettered",
};

const chip = (group: string, result: SettledView["result"], attempt: number) =>
  el("span", { class: `chip ${result}`, title: `attempt ${attempt}` }, `${group}: ${RESULT_TEXT[result]}`);

/** The recent-events view: the last events this process saw, and a lookup by event id. */
export class RecentPanel {
  private readonly result = byId("lookup-result");

  constructor() {
    const form = byId<HTMLFormElement>("lookup");
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const id = String(new FormData(form).get("id") ?? "").trim();
      if (id) void this.lookup(id);
    });
  }

  async load(): Promise<void> {
    const recent = await getJson<RecentSummary[]>("recent", { limit: 25 });
    replaceRows(
      byId<HTMLTableElement>("recent-list").tBodies[0]!,
      recent.map((r) => {
        const open = el("button", { type: "button", class: "link" }, r.eventId);
        open.addEventListener("click", () => void this.lookup(r.eventId));
        return el(
          "tr",
          { "data-event-id": r.eventId },
          el("td", {}, when(r.receivedAt)),
          el("td", {}, open),
          el("td", {}, r.type),
          el(
            "td",
            {},
            r.ingress
              ? `accepted${r.ingress.duplicates ? ` + ${int(r.ingress.duplicates)} duplicate(s)` : ""}`
              : "elsewhere",
          ),
          el("td", {}, ...r.groups.map((g) => chip(g.group, g.result, g.attempt))),
        );
      }),
      "no events seen by this process yet",
      5,
    );
  }

  async lookup(id: string): Promise<void> {
    const found = await getJson<Lookup>("lookup", { id });
    const parts: Node[] = [];
    if (!found.recent && found.deadLetters.length === 0) {
      parts.push(el("p", {}, `No event ${id} among this process's recent events or the dead letters.`));
    }
    if (found.recent) {
      const r = found.recent;
      parts.push(
        el("h3", {}, `${r.eventId} · ${r.type} · received ${when(r.receivedAt)}`),
        el(
          "table",
          { class: "grid" },
          el(
            "thead",
            {},
            el(
              "tr",
              {},
              el("th", {}, "When"),
              el("th", {}, "Group"),
              el("th", {}, "Result"),
              el("th", { class: "num" }, "Attempt"),
              el("th", {}, "Routes"),
              el("th", {}, "Error"),
            ),
          ),
          el(
            "tbody",
            {},
            ...(r.history.length
              ? r.history.map((h) =>
                  el(
                    "tr",
                    {},
                    el("td", {}, when(h.at)),
                    el("td", {}, h.group),
                    el("td", {}, chip(h.group, h.result, h.attempt)),
                    el("td", { class: "num" }, int(h.attempt)),
                    el("td", {}, h.routes.join(", ") || "–"),
                    el("td", { class: "reason" }, h.error ?? ""),
                  ),
                )
              : [
                  el(
                    "tr",
                    { class: "empty" },
                    el("td", { colspan: "6" }, "not settled by a worker of this process yet"),
                  ),
                ]),
          ),
        ),
        el("pre", { class: "envelope" }, JSON.stringify(r.envelope, null, 2)),
      );
    }
    for (const d of found.deadLetters) {
      parts.push(
        el(
          "p",
          { class: "reason" },
          `In the dead letters (group ${d.group ?? "–"}, ${d.attempts} attempt(s), ${when(d.deadAt)}): ${d.reason}`,
        ),
      );
    }
    this.result.replaceChildren(...parts);
    this.result.hidden = false;
  }
}
