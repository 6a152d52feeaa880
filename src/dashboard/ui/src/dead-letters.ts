import type {
  BulkResult,
  DeadLetterDetail,
  DeadLetterFilter,
  DeadLetterPage,
  DeadLetterRow,
} from "../../api-types.js";
import { getJson, postJson } from "./api.js";
import { confirmAction } from "./confirm.js";
import { byId, el, replaceRows } from "./dom.js";
import { fromLocalInput, int, when } from "./format.js";

const PAGE = 50;
const REASON_SHOWN = 160;

/** The dead-letter panel: a filter, a page of rows (paged by the server), replay and purge. */
export class DeadLetterPanel {
  private readonly form = byId<HTMLFormElement>("dlq-filter");
  private readonly tbody = byId<HTMLTableElement>("dlq").tBodies[0]!;
  private filter: DeadLetterFilter = {};
  private offset = 0;
  private page: DeadLetterPage | null = null;
  private loading: Promise<void> | null = null;
  private note = "";

  constructor() {
    this.form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.filter = this.readFilter();
      this.offset = 0;
      void this.load();
    });
    this.form.addEventListener("reset", () => {
      this.filter = {};
      this.offset = 0;
      // After the form has cleared its fields.
      setTimeout(() => void this.load());
    });
    byId("dlq-prev").addEventListener("click", () => {
      this.offset = Math.max(0, this.offset - PAGE);
      void this.load();
    });
    byId("dlq-next").addEventListener("click", () => {
      this.offset += PAGE;
      void this.load();
    });
    byId("dlq-replay-all").addEventListener("click", () => void this.bulk("replay"));
    byId("dlq-purge-all").addEventListener("click", () => void this.bulk("purge"));
  }

  private readFilter(): DeadLetterFilter {
    const data = new FormData(this.form);
    const filter: DeadLetterFilter = {};
    for (const key of ["type", "group", "text"] as const) {
      const v = String(data.get(key) ?? "").trim();
      if (v) filter[key] = v;
    }
    const since = fromLocalInput(String(data.get("since") ?? ""));
    if (since !== undefined) filter.since = since;
    return filter;
  }

  /** Reads the current page again (joins a read already under way). */
  load(): Promise<void> {
    this.loading ??= getJson<DeadLetterPage>("dead-letters", {
      ...this.filter,
      offset: this.offset,
      limit: PAGE,
    })
      .then((page) => {
        if (page.items.length === 0 && page.matching > 0 && this.offset > 0) {
          // The page emptied under us (replays): step back to the last page there is.
          this.offset = Math.max(0, Math.floor((page.matching - 1) / PAGE) * PAGE);
          this.loading = null;
          return this.load();
        }
        this.render(page);
      })
      .catch((err: Error) => {
        byId("dlq-summary").textContent = `Could not read the dead letters: ${err.message}`;
      })
      .finally(() => {
        this.loading = null;
      });
    return this.loading;
  }

  private render(page: DeadLetterPage): void {
    this.page = page;
    this.fillSelect("type", page.types);
    this.fillSelect("group", page.groups);
    replaceRows(
      this.tbody,
      page.items.map((row) => this.row(row)),
      page.total === 0 ? "no dead letters" : "none match the filter",
      7,
    );
    const filtered = Object.keys(this.filter).length > 0;
    const summary =
      `${int(page.matching)} ${filtered ? "matching" : "dead letters"}` +
      (filtered ? ` of ${int(page.total)}` : "") +
      (page.truncated ? ` (the DLQ holds more: only the first ${int(page.total)} are read)` : "");
    byId("dlq-summary").textContent = this.note ? `${this.note} ${summary}` : summary;
    const first = page.matching === 0 ? 0 : page.offset + 1;
    byId("dlq-range").textContent =
      `${int(first)}–${int(page.offset + page.items.length)} of ${int(page.matching)}`;
    byId<HTMLButtonElement>("dlq-prev").disabled = page.offset === 0;
    byId<HTMLButtonElement>("dlq-next").disabled = page.offset + page.items.length >= page.matching;
    for (const id of ["dlq-replay-all", "dlq-purge-all"])
      byId<HTMLButtonElement>(id).disabled = page.matching === 0;
    byId("dlq-replay-all").textContent =
      `Replay ${filtered ? "the" : "all"} ${int(page.matching)}${filtered ? " matching" : ""}`;
    byId("dlq-purge-all").textContent =
      `Purge ${filtered ? "the" : "all"} ${int(page.matching)}${filtered ? " matching" : ""}`;
  }

  private fillSelect(name: "type" | "group", options: Array<{ name: string; count: number }>): void {
    const select = this.form.elements.namedItem(name) as HTMLSelectElement;
    const chosen = this.filter[name] ?? "";
    const names = options.map((o) => o.name);
    if (chosen && !names.includes(chosen)) options = [...options, { name: chosen, count: 0 }];
    select.replaceChildren(
      el("option", { value: "" }, "any"),
      ...options.map((o) =>
        el("option", { value: o.name, selected: o.name === chosen }, `${o.name} (${int(o.count)})`),
      ),
    );
  }

  private row(d: DeadLetterRow): HTMLTableRowElement {
    const replay = el("button", { type: "button", class: "small", "data-action": "replay" }, "Replay");
    const purge = el("button", { type: "button", class: "small danger", "data-action": "purge" }, "Purge");
    const open = el(
      "button",
      { type: "button", class: "link", title: "show the envelope" },
      d.eventId || d.id,
    );
    replay.addEventListener("click", () => void this.act("replay", [d.id], replay));
    purge.addEventListener("click", async () => {
      if (
        await confirmAction(`Purge the dead letter of ${d.eventId || d.id}? It is deleted for good.`, "Purge")
      )
        await this.act("purge", [d.id], purge);
    });
    open.addEventListener("click", () => void this.showDetail(d.id));
    const reason = d.reason.length > REASON_SHOWN ? `${d.reason.slice(0, REASON_SHOWN)}…` : d.reason;
    return el(
      "tr",
      { "data-id": d.id, "data-event-id": d.eventId },
      el("td", { title: new Date(d.deadAt).toISOString() }, when(d.deadAt)),
      el("td", {}, open),
      el("td", {}, d.type),
      el("td", {}, d.group ?? "–"),
      el("td", { class: "num" }, int(d.attempts)),
      el("td", { class: "reason", title: d.reason }, reason),
      el("td", { class: "actions" }, replay, purge),
    );
  }

  private async act(action: "replay" | "purge", ids: string[], button: HTMLButtonElement): Promise<void> {
    button.disabled = true;
    try {
      const result = await postJson<BulkResult>(`dead-letters/${action}`, { ids });
      this.note = `${action === "replay" ? "Replayed" : "Purged"} ${int(result.count)}.`;
    } catch (err) {
      this.note = `${action} failed: ${(err as Error).message}.`;
    }
    await this.load();
  }

  private async bulk(action: "replay" | "purge"): Promise<void> {
    const matching = this.page?.matching ?? 0;
    if (matching === 0) return;
    const what = Object.keys(this.filter).length
      ? `the ${int(matching)} dead letters matching this filter`
      : `all ${int(matching)} dead letters`;
    const question =
      action === "replay"
        ? `Replay ${what}? Each goes back to its group; handlers that had succeeded are skipped.`
        : `Purge ${what}? They are deleted for good.`;
    if (!(await confirmAction(question, action === "replay" ? "Replay" : "Purge"))) return;
    try {
      // The server applies the filter to a fresh read: what goes is what matches now.
      const result = await postJson<BulkResult>(`dead-letters/${action}`, { filter: this.filter });
      this.note = `${action === "replay" ? "Replayed" : "Purged"} ${int(result.count)} of ${int(result.requested)}.`;
    } catch (err) {
      this.note = `${action} failed: ${(err as Error).message}.`;
    }
    this.offset = 0;
    await this.load();
  }

  private async showDetail(id: string): Promise<void> {
    const detail = await getJson<DeadLetterDetail>("dead-letter", { id });
    byId("detail-title").textContent =
      `Dead letter ${detail.row.eventId || detail.row.id} · ${detail.row.type} · group ${detail.row.group ?? "–"} · ${detail.row.attempts} attempt(s)`;
    byId("detail-reason").textContent = detail.row.reason;
    byId("detail-envelope").textContent = JSON.stringify(detail.envelope, null, 2);
    byId<HTMLDialogElement>("detail").showModal();
  }
}
