/**
 * Stands in for an open dashboard page beside a gateway under load: holds the live stream (a tick a
 * second) and asks for the dead letters and recent events as often as the page does.
 */
export interface DashboardViewer {
  /** Events received so far (the snapshot, then a tick a second): proves the page was live. */
  events(): number;
  close(): void;
}

export async function watchDashboard(eventsUrl: string): Promise<DashboardViewer> {
  const base = new URL(eventsUrl).origin;
  const controller = new AbortController();
  const response = await fetch(`${base}/dashboard/api/stream`, { signal: controller.signal });
  if (!response.ok || !response.body) throw new Error(`dashboard stream answered ${response.status}`);
  let events = 0;
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        events += decoder.decode(value).split("\nevent: ").length - 1;
      }
    } catch {
      // Closed.
    }
  })();
  const poll = async (path: string) => {
    await fetch(`${base}/dashboard/api/${path}`, { signal: controller.signal })
      .then((r) => r.arrayBuffer())
      .catch(() => {});
  };
  // The page reads recent events every 3 s and the dead letters every 10 s.
  const recent = setInterval(() => void poll("recent?limit=25"), 3000);
  const dead = setInterval(() => void poll("dead-letters?limit=50"), 10_000);
  void poll("dead-letters?limit=50");
  return {
    events: () => events,
    close: () => {
      clearInterval(recent);
      clearInterval(dead);
      controller.abort();
    },
  };
}
