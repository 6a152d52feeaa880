import { AsyncLocalStorage } from "node:async_hooks";
import type { App, Receiver } from "@slack/bolt";

/** What a processEvent() call's errors are gathered into (Bolt hands them to app.error, not to the caller). */
export interface ProcessRecord {
  errors: unknown[];
}

/**
 * Apps and their receivers, shared through a global symbol: the CLI's copy of Slackline (dist/) and
 * the copy an app imports (its own install, or the sources through tsx) must find the same entry.
 */
const REGISTRY = Symbol.for("slackline.bolt.receivers");
const shared = globalThis as Record<symbol, WeakMap<object, SlacklineReceiver> | undefined>;
shared[REGISTRY] ??= new WeakMap<object, SlacklineReceiver>();
const RECEIVERS: WeakMap<object, SlacklineReceiver> = shared[REGISTRY];

/**
 * A Bolt `Receiver` that hands the app's traffic to Slackline: Slack's requests are verified,
 * deduplicated and durably queued by Slackline's ingress, and the worker runs the app's listeners
 * from the queue with retries and dead letters. Run the module with `slackline start --handlers
 * app.ts` (or `gateway` + `worker`); `app.start()` runs the same in this process.
 */
export class SlacklineReceiver implements Receiver {
  private app: App | null = null;
  private readonly records = new AsyncLocalStorage<ProcessRecord>();
  private running: { stop(): Promise<void> } | null = null;

  /** The receiver an app was built with, if it is a SlacklineReceiver. */
  static of(app: unknown): SlacklineReceiver | undefined {
    return typeof app === "object" && app !== null ? RECEIVERS.get(app) : undefined;
  }

  init(app: App): void {
    this.app = app;
    RECEIVERS.set(app, this);
    // Every error of a processEvent() call reaches handleError (listener failures, authorization):
    // noted here, so a failure counts even when the app's own error handler swallows it.
    // handleError is private in Bolt's types but the same method in Bolt 4 and 5 (both tested).
    const errors = app as unknown as { handleError(args: { error: unknown }): Promise<void> };
    const original = errors.handleError.bind(app);
    const records = this.records;
    errors.handleError = (args) => {
      records.getStore()?.errors.push(args.error);
      return original(args);
    };
  }

  /** The app, once Bolt has initialised it. */
  get boltApp(): App {
    if (!this.app) throw new Error("SlacklineReceiver: the Bolt App has not initialised its receiver yet");
    return this.app;
  }

  /** Runs `fn` (a processEvent call) with its errors gathered into the returned record. */
  async track(fn: () => Promise<void>): Promise<ProcessRecord> {
    const record: ProcessRecord = { errors: [] };
    await this.records.run(record, fn);
    return record;
  }

  /** `app.start()`: ingress and worker in this process, configured from the environment as `slackline start`. */
  async start(...args: unknown[]): Promise<unknown> {
    const { startBoltApp } = await import("./start.js");
    this.running = await startBoltApp(this, args);
    return this.running;
  }

  async stop(): Promise<unknown> {
    await this.running?.stop();
    this.running = null;
    return undefined;
  }
}
