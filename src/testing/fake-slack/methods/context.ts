import type { Params } from "../params.js";
import type { FakeCaller } from "../types.js";
import type { Workspace } from "../workspace.js";

/** What a Web API method sees: the workspace, the caller (from its token) and the arguments. */
export interface CallContext {
  ws: Workspace;
  /** The bot or user the token acts as. */
  caller: FakeCaller;
  params: Params;
}

/** A method answers the fields next to `ok: true`, or throws a SlackApiError. */
export type MethodHandler = (ctx: CallContext) => Record<string, unknown>;

export type MethodTable = Record<string, MethodHandler>;
