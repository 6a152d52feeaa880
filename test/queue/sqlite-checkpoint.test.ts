import { statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SqliteQueue } from "../../src/queue/backends/sqlite.js";
import { sampleEnvelope } from "../../src/testing/envelopes.js";
import { tempDir } from "../helpers/cli.js";
import { until } from "../helpers/wait.js";

describe("SQLite WAL checkpoints run off the main thread", () => {
  it("the background thread copies committed pages into the database file", async () => {
    const path = join(tempDir(), "queue.db");
    const queue = new SqliteQueue({ path });
    try {
      const before = statSync(path).size;
      // Well below the automatic checkpoint threshold: only the background thread moves these pages.
      for (let i = 0; i < 2000; i++) await queue.publish("checkpointed", sampleEnvelope());
      expect(statSync(`${path}-wal`).size).toBeGreaterThan(0);
      await until(() => statSync(path).size > before + 100_000, 5000);
    } finally {
      await queue.close();
    }
  });
});
