import type { LiveState, Snapshot } from "../../api-types.js";
import { BASE, postJson, startSession } from "./api.js";
import { Charts } from "./charts.js";
import { DeadLetterPanel } from "./dead-letters.js";
import { byId } from "./dom.js";
import { renderLive } from "./overview.js";
import { RecentPanel } from "./recent.js";
import "./style.css";

const DLQ_REFRESH_MS = 10_000;
const RECENT_REFRESH_MS = 3_000;

async function start(): Promise<void> {
  const session = await startSession();
  const signOut = byId<HTMLButtonElement>("sign-out");
  if (session.auth === "cookie") {
    signOut.hidden = false;
    signOut.addEventListener("click", async () => {
      await postJson("logout", {}, "/dashboard").catch(() => {});
      window.location.assign("/dashboard/login");
    });
  }

  const charts = new Charts();
  const deadLetters = new DeadLetterPanel();
  const recent = new RecentPanel();
  const connection = byId("connection");
  let deadSeen = -1;

  const apply = (state: LiveState) => {
    renderLive(state);
    // A dead letter settled in this process: show it now rather than at the next refresh.
    if (state.overview.totals.deadLettered !== deadSeen) {
      if (deadSeen !== -1) void deadLetters.load();
      deadSeen = state.overview.totals.deadLettered;
    }
  };

  const events = new EventSource(`${BASE}/stream`);
  events.addEventListener("snapshot", (e) => {
    const snapshot = JSON.parse((e as MessageEvent<string>).data) as Snapshot;
    charts.load(snapshot.series);
    apply(snapshot);
    connection.textContent = "live";
    connection.dataset.state = "live";
  });
  events.addEventListener("tick", (e) => {
    const state = JSON.parse((e as MessageEvent<string>).data) as LiveState;
    if (state.point) charts.push(state.point);
    apply(state);
  });
  events.addEventListener("error", () => {
    connection.textContent = "reconnecting…";
    connection.dataset.state = "down";
    // A stream refused for an expired session: the session call sends the page to the login form.
    void startSession().catch(() => {});
  });

  await Promise.all([deadLetters.load(), recent.load()]);
  setInterval(() => {
    if (document.visibilityState === "visible") void deadLetters.load();
  }, DLQ_REFRESH_MS);
  setInterval(() => {
    if (document.visibilityState === "visible") void recent.load().catch(() => {});
  }, RECENT_REFRESH_MS);
}

start().catch((err: Error) => {
  const connection = byId("connection");
  connection.textContent = `failed to start: ${err.message}`;
  connection.dataset.state = "down";
});
