import amqp, { type Channel, type ChannelModel, type ConfirmChannel, type Options } from "amqplib";
import { DeadlineError, settleWithin } from "../../../deadline.js";
import { errorText, SlacklineError } from "../../../errors.js";
import { Wakeup } from "../../wakeup.js";
import { AmqpUnavailableError, UnroutableError } from "./errors.js";

/**
 * One AMQP connection that reconnects forever, and a publisher confirm channel on it. Publishing
 * while disconnected fails at once (ingress answers 503); consumers wait for `changed`.
 */
export class AmqpLink {
  private model: ChannelModel | null = null;
  private publisher: Promise<ConfirmChannel> | null = null;
  /** The publisher channel once open: a publish then awaits nothing but its confirm. */
  private openPublisher: ConfirmChannel | null = null;
  /** Mandatory publishes the broker returned, by message id, until their confirm arrives. */
  private readonly returned = new Map<string, string>();
  private closing = false;
  /** Notified on every connect and disconnect. */
  readonly changed = new Wakeup();

  private constructor(
    private readonly url: string,
    private readonly name: string,
    private readonly heartbeatSeconds: number,
  ) {}

  static async open(url: string, name: string, heartbeatSeconds: number): Promise<AmqpLink> {
    const link = new AmqpLink(url, name, heartbeatSeconds);
    await link.connect();
    return link;
  }

  get connected(): boolean {
    return this.model !== null;
  }

  private async connect(): Promise<void> {
    const url = new URL(this.url);
    if (!url.searchParams.has("heartbeat")) url.searchParams.set("heartbeat", String(this.heartbeatSeconds));
    const model = await amqp.connect(url.toString(), {
      clientProperties: { connection_name: this.name },
      // amqplib leaves Nagle's algorithm on: a small frame (a confirm's publish, an ack) then waits for
      // the broker's delayed ACK, 40 ms on Linux. With it on, a gateway's p99 was 40 ms and a worker
      // on one connection with its publisher managed 1,500 events/s.
      noDelay: true,
    });
    if (this.closing) {
      await model.close().catch(() => {});
      return;
    }
    model.on("error", () => {
      // "close" follows; reconnecting is handled there.
    });
    model.on("close", () => {
      if (this.model !== model) return;
      this.model = null;
      this.publisher = null;
      this.openPublisher = null;
      this.changed.notify();
      if (!this.closing) void this.reconnect();
    });
    this.model = model;
    this.changed.notify();
  }

  private async reconnect(): Promise<void> {
    let delay = 100;
    while (!this.closing && !this.model) {
      await new Promise((r) => setTimeout(r, delay));
      if (this.closing) return;
      try {
        await this.connect();
      } catch {
        delay = Math.min(delay * 2, 5000);
      }
    }
  }

  /** The connection, or throws at once when there is none right now. */
  current(): ChannelModel {
    if (!this.model) throw new AmqpUnavailableError();
    return this.model;
  }

  /** Waits for a connection; null when `signal` aborts or the link closes first. */
  async waitConnected(signal: AbortSignal): Promise<ChannelModel | null> {
    while (!this.model && !signal.aborted && !this.closing)
      await this.changed.sleep(Number.POSITIVE_INFINITY, signal);
    return signal.aborted || this.closing ? null : this.model;
  }

  /** A short-lived channel for checks that may fail (a 404 closes the channel it ran on). */
  async withChannel<T>(fn: (ch: Channel) => Promise<T>): Promise<T> {
    const ch = await this.current().createChannel();
    ch.on("error", () => {});
    try {
      return await fn(ch);
    } finally {
      await settleWithin(ch.close(), 1000);
    }
  }

  private confirmChannel(): Promise<ConfirmChannel> {
    if (!this.publisher) {
      const model = this.current();
      const p = model.createConfirmChannel().then((ch) => {
        ch.on("error", () => {});
        ch.on("close", () => {
          if (this.publisher === p) this.publisher = null;
          if (this.openPublisher === ch) this.openPublisher = null;
        });
        ch.on("return", (msg) => {
          const id = msg.properties.messageId;
          const fields = msg.fields as { replyCode?: number; replyText?: string };
          if (typeof id === "string") this.returned.set(id, `${fields.replyCode} ${fields.replyText}`);
        });
        if (this.publisher === p) this.openPublisher = ch;
        return ch;
      });
      p.catch(() => {
        if (this.publisher === p) this.publisher = null;
      });
      this.publisher = p;
    }
    return this.publisher;
  }

  /**
   * Publishes with `mandatory` and waits for the broker's confirm: resolves only once the message is
   * stored in every queue it routes to; rejects when it routed nowhere, was nacked, or timed out.
   * The broker sends basic.return before the confirm, so a returned message is known by then.
   */
  async publish(
    exchange: string,
    routingKey: string,
    content: Buffer,
    options: Options.Publish & { messageId: string },
    timeoutMs: number,
  ): Promise<void> {
    if (this.closing) throw new AmqpUnavailableError();
    const ch = this.openPublisher ?? (await this.confirmChannel());
    // Every publish is persistent and mandatory (the caller's options object is its own).
    options.mandatory = true;
    options.persistent = true;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.returned.delete(options.messageId);
        reject(new DeadlineError("RabbitMQ's publish confirm", timeoutMs));
      }, timeoutMs);
      try {
        ch.publish(exchange, routingKey, content, options, (err) => {
          clearTimeout(timer);
          const reply = this.returned.get(options.messageId);
          this.returned.delete(options.messageId);
          if (err)
            reject(
              new SlacklineError(
                "SLACKLINE_PUBLISH_FAILED",
                `RabbitMQ refused the publish: ${errorText(err)}`,
                {
                  cause: err,
                },
              ),
            );
          else if (reply) reject(new UnroutableError(exchange, routingKey, reply));
          else resolve();
        });
      } catch (err) {
        clearTimeout(timer);
        reject(err);
      }
    });
  }

  /** Runs declarations on a channel of their own, so a failed one cannot close the publisher's. */
  declare<T>(fn: (ch: Channel) => Promise<T>): Promise<T> {
    return this.withChannel(fn);
  }

  async close(): Promise<void> {
    this.closing = true;
    const model = this.model;
    this.model = null;
    this.publisher = null;
    this.openPublisher = null;
    this.changed.notify();
    if (model) await settleWithin(model.close(), 2000);
  }
}
