import type { FakeBot, FakeCaller, FakeUserToken } from "./types.js";

/** The tokens a workspace issued: bot installations and user tokens, each with its scopes. */
export class TokenRegistry {
  readonly bots = new Map<string, FakeBot>();
  readonly users = new Map<string, FakeUserToken>();
  private readonly scopes = new Map<string, ReadonlySet<string>>();

  addBot(bot: FakeBot, scopes?: readonly string[]): void {
    this.bots.set(bot.token, bot);
    if (scopes) this.scopes.set(bot.token, new Set(scopes));
  }

  addUser(token: FakeUserToken, scopes?: readonly string[]): void {
    this.users.set(token.token, token);
    if (scopes) this.scopes.set(token.token, new Set(scopes));
  }

  /** Who a token acts as, or undefined for a token this workspace never issued. */
  caller(token: string): FakeCaller | undefined {
    const scopes = this.scopes.get(token) ?? null;
    const bot = this.bots.get(token);
    if (bot)
      return { kind: "bot", token, user_id: bot.user_id, bot_id: bot.bot_id, app_id: bot.app_id, scopes };
    const user = this.users.get(token);
    return user && { kind: "user", token, user_id: user.user_id, scopes };
  }
}
