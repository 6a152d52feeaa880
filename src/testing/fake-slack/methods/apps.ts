import type { Params } from "../params.js";
import type { FakeAppToken } from "../types.js";
import type { Workspace } from "../workspace.js";

/** What a method that takes an app-level token sees: the app behind the token instead of a bot. */
export interface AppCallContext {
  ws: Workspace;
  app: FakeAppToken;
  params: Params;
}

export type AppMethodTable = Record<string, (ctx: AppCallContext) => Record<string, unknown>>;

/** Methods that take only an app-level token (a bot token gets `not_allowed_token_type`). */
export const appMethods: AppMethodTable = {
  "apps.connections.open": ({ app }) => ({ url: app.openConnection() }),
};
