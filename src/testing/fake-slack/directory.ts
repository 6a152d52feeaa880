import { fail } from "./errors.js";
import type { FakeUser, FakeUsergroup, UsergroupSeed, UserSeed } from "./types.js";

/**
 * Users and user groups. Users keep their insertion order with a position index, so a
 * users.list cursor (the next user's id) resolves in O(1) even in a 50,000-user workspace.
 */
export class Directory {
  readonly users = new Map<string, FakeUser>();
  readonly usergroups = new Map<string, FakeUsergroup>();
  private readonly order: string[] = [];
  private readonly position = new Map<string, number>();

  constructor(private readonly nextId: (prefix: string) => string) {}

  putUser(user: FakeUser): FakeUser {
    if (!this.position.has(user.id)) {
      this.position.set(user.id, this.order.length);
      this.order.push(user.id);
    }
    this.users.set(user.id, user);
    return user;
  }

  addUser(seed: UserSeed): FakeUser {
    const user: FakeUser = {
      id: seed.id ?? this.nextId("U"),
      name: seed.name,
      real_name: seed.real_name ?? seed.name,
      display_name: seed.display_name ?? seed.name,
      is_bot: seed.is_bot ?? false,
      tz: seed.tz ?? "UTC",
      deleted: seed.deleted ?? false,
    };
    if (seed.email !== undefined) user.email = seed.email;
    return this.putUser(user);
  }

  /** Up to `limit` users from `fromId` (the first user when undefined), and the id after them. */
  userPage(fromId: string | undefined, limit: number): { users: FakeUser[]; next: string | undefined } {
    const start = fromId === undefined ? 0 : (this.position.get(fromId) ?? fail("invalid_cursor"));
    const ids = this.order.slice(start, start + limit);
    return { users: ids.map((id) => this.users.get(id)!), next: this.order[start + limit] };
  }

  user(id: string): FakeUser {
    return this.users.get(id) ?? fail("user_not_found");
  }

  addUsergroup(seed: UsergroupSeed): FakeUsergroup {
    const group: FakeUsergroup = {
      id: seed.id ?? this.nextId("S"),
      handle: seed.handle,
      name: seed.name ?? seed.handle,
      description: seed.description ?? "",
      users: [...(seed.users ?? [])],
      disabled: seed.disabled ?? false,
      date_create: Math.floor(Date.now() / 1000),
    };
    this.usergroups.set(group.id, group);
    return group;
  }

  usergroup(id: string): FakeUsergroup {
    return this.usergroups.get(id) ?? fail("no_such_subteam");
  }
}

/** `count` users for a workspace at scale: U00000001…, user1…, with an email each. */
export function* generatedUsers(count: number, prefix = "user"): Generator<UserSeed> {
  for (let i = 1; i <= count; i++) {
    yield {
      id: `UGEN${String(i).padStart(7, "0")}`,
      name: `${prefix}${i}`,
      real_name: `Generated User ${i}`,
      email: `${prefix}${i}@fake-slack.test`,
    };
  }
}
