import type { Route } from "../handlers/router.js";
import type { Delivery } from "../queue/types.js";
import type { Failure } from "./failure.js";

/** A delivery in the worker's hands: the routes it matched, their markers, what running them did. */
export interface Task {
  delivery: Delivery;
  /** The handlers it runs, in order (read-only: it may be the router's own list). */
  routes: readonly Route[];
  /** The processed-marker key of each route. */
  markerKeys: string[];
  /** Handlers run (the others had a processed-marker). */
  ran: number;
  /** Null while every handler run so far succeeded. */
  failures: Failure[] | null;
  /** Processed-markers of the handlers that succeeded, on their way (those of one turn share a promise). Never rejects. */
  markersWritten: Promise<void> | null;
}

/** It matched handlers and every one of them had a processed-marker: nothing ran. */
export const skippedAsProcessed = (task: Task): boolean => task.ran === 0 && task.routes.length > 0;
