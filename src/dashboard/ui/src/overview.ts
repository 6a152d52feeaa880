import type { GroupView, LiveState, Overview, QueueFigures, RouteView } from "../../api-types.js";
import { byId, el, replaceRows } from "./dom.js";
import { duration, int, ms, num, UNKNOWN } from "./format.js";

function health(node: HTMLElement, ok: boolean | null, text: string, title: string) {
  node.textContent = text;
  node.title = title;
  node.dataset.ok = ok === null ? "unknown" : String(ok);
}

const MODE_NOTE: Record<Overview["mode"], string> = {
  start:
    "This process runs the ingress and a worker: the charts, in-flight, handled and handler figures are this process's. Depth and oldest age come from the backend and cover every process.",
  gateway:
    "This process runs the ingress only: request charts are this process's; worker figures stay empty (workers run elsewhere). Depth and oldest age come from the backend.",
  standalone:
    "This dashboard runs on its own: request and worker figures cover this process only, so they stay empty. Depth, oldest age and dead letters come from the backend and cover everything.",
};

export function renderOverview(o: Overview): void {
  byId("fact-backend").textContent = `${o.backend}${o.durable ? "" : " (not durable)"}`;
  byId("fact-topic").textContent = o.topic;
  byId("fact-version").textContent = o.version;
  byId("fact-uptime").textContent = duration(Math.max(0, o.now - o.startedAt));
  const r = o.readiness;
  health(
    byId("fact-ready"),
    r.ok,
    r.ok === null ? "…" : r.ok ? `ready · ${ms(r.latencyMs)}` : "not ready",
    r.detail,
  );
  const d = o.dedup;
  health(
    byId("fact-dedup"),
    d.ok,
    d.ok === null ? d.store : `${d.store} · ${d.ok ? "ok" : "failing"}`,
    d.detail,
  );
  byId("scope").textContent = MODE_NOTE[o.mode];
  const reasons = Object.entries(o.totals.rejectedByReason).filter(([, n]) => n > 0);
  byId("rejections").textContent =
    `Since start: ${int(o.totals.requests.accepted ?? 0)} accepted, ${int(o.totals.requests.duplicate ?? 0)} duplicates, ` +
    `${int(o.totals.requests.unavailable ?? 0)} answered 503, ${int(o.totals.deadLettered)} dead-lettered` +
    (reasons.length
      ? `; rejected: ${reasons.map(([reason, n]) => `${reason} ${int(n)}`).join(", ")}`
      : "; none rejected") +
    ".";
}

/** An unknown figure says so, and why, in its tooltip: never a zero. */
function queueCell(value: string | null, figures: QueueFigures): HTMLTableCellElement {
  const cell = el("td", { class: "num" }, value ?? UNKNOWN);
  if (value === null) cell.classList.add("unknown");
  if (figures.note) {
    cell.title = figures.note;
    if (value !== null) cell.classList.add("partial");
  }
  return cell;
}

function groupRow(g: GroupView): HTMLTableRowElement {
  const q = g.queue;
  const depth = q.depth === null ? null : `${q.note ? "≥ " : ""}${int(q.depth)}`;
  const oldest = q.oldestAgeMs !== null ? duration(q.oldestAgeMs) : q.oldestKnown ? "–" : null;
  return el(
    "tr",
    { "data-group": g.group },
    el("td", {}, g.group),
    queueCell(depth, q),
    queueCell(oldest, q),
    el(
      "td",
      { class: "num", title: g.inFlight === null ? "no worker of this group in this process" : undefined },
      g.inFlight === null ? "–" : int(g.inFlight),
    ),
    el("td", { class: "num" }, num(g.handledPerSecond)),
    el("td", { class: g.failuresLastMinute ? "num bad" : "num" }, int(g.failuresLastMinute)),
    el("td", { class: g.deadLetteredLastMinute ? "num bad" : "num" }, int(g.deadLetteredLastMinute)),
  );
}

function routeRow(r: RouteView): HTMLTableRowElement {
  return el(
    "tr",
    {},
    el("td", {}, r.route),
    el("td", { class: "num" }, num(r.runsPerSecond)),
    el("td", { class: "num" }, ms(r.p50Ms)),
    el("td", { class: "num" }, ms(r.p99Ms)),
    el("td", { class: r.errorsLastMinute ? "num bad" : "num" }, int(r.errorsLastMinute)),
    el("td", { class: r.timeoutsLastMinute ? "num bad" : "num" }, int(r.timeoutsLastMinute)),
    el("td", { class: "num" }, int(r.runsTotal)),
    el("td", { class: "num" }, int(r.failuresTotal)),
  );
}

export function renderLive(state: LiveState): void {
  renderOverview(state.overview);
  replaceRows(
    byId<HTMLTableElement>("groups").tBodies[0]!,
    state.groups.map(groupRow),
    "no consumer groups",
    7,
  );
  replaceRows(
    byId<HTMLTableElement>("routes").tBodies[0]!,
    state.routes.map(routeRow),
    "no handler has run in this process",
    8,
  );
}
