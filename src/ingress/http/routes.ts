import type { IncomingMessage, ServerResponse } from "node:http";
import { writeText } from "./reply.js";

/** A route a listener serves beside its own: resolves true when it answered. */
export type ExtraRoute = (
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
) => boolean | Promise<boolean>;

/** The path of a request URL (no query). */
export function pathOf(url: string | undefined): string {
  const u = url ?? "/";
  const q = u.indexOf("?");
  return q === -1 ? u : u.slice(0, q);
}

/**
 * Tries `routes` in order until one answers; `none` answers what no route took. A route that throws
 * or rejects is a 500.
 */
export function routeChain(
  routes: readonly ExtraRoute[],
  none: (req: IncomingMessage, res: ServerResponse) => void,
): (req: IncomingMessage, res: ServerResponse, path: string) => void {
  const next = (req: IncomingMessage, res: ServerResponse, path: string, from: number): void => {
    for (let i = from; i < routes.length; i++) {
      let served: boolean | Promise<boolean>;
      try {
        served = routes[i]!(req, res, path);
      } catch {
        writeText(res, 500, "internal error\n");
        return;
      }
      if (served === true) return;
      if (served === false) continue;
      served.then(
        (done) => (done ? undefined : next(req, res, path, i + 1)),
        () => {
          if (!res.headersSent) writeText(res, 500, "internal error\n");
          else res.destroy();
        },
      );
      return;
    }
    none(req, res);
  };
  return (req, res, path) => next(req, res, path, 0);
}

/** A listener that serves only `routes` (the ops listener): 404 for anything else. */
export function routesOnly(
  routes: readonly ExtraRoute[],
): (req: IncomingMessage, res: ServerResponse) => void {
  const chain = routeChain(routes, (_req, res) => writeText(res, 404, "not found\n"));
  return (req, res) => chain(req, res, pathOf(req.url));
}
