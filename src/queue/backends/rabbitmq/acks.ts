import type { Channel } from "amqplib";
import type { RabbitDelivery } from "./delivery.js";
import { ChannelLostError } from "./errors.js";

/** The acks of one turn on one channel, and the promise they share. */
interface Group {
  deliveries: RabbitDelivery[];
  promise: Promise<void>;
  resolve: () => void;
  reject: (err: Error) => void;
}

/**
 * A subscription's acks and nacks. The acks of one event-loop turn go out together: where they are
 * the oldest messages the broker counts unacked on the channel, as one ack with `multiple` (one
 * frame, one write, however many messages); the rest one by one. Every ack of a turn on a channel
 * shares one promise, so a worker acking a batch waits on one.
 */
export class AckGroups {
  /** Per channel, what the broker counts unacked, in delivery-tag order. */
  private readonly unacked = new Map<Channel, Set<RabbitDelivery>>();
  private readonly groups = new Map<Channel, Group>();
  private scheduled = false;

  /** A new delivery: unacked at the broker until a frame says otherwise. */
  track(delivery: RabbitDelivery): void {
    let set = this.unacked.get(delivery.ch);
    if (!set) {
      set = new Set();
      this.unacked.set(delivery.ch, set);
    }
    set.add(delivery);
  }

  /** Joins this turn's ack of its channel. */
  ack(delivery: RabbitDelivery): Promise<void> {
    let group = this.groups.get(delivery.ch);
    if (!group) {
      let resolve!: () => void;
      let reject!: (err: Error) => void;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      group = { deliveries: [], promise, resolve, reject };
      this.groups.set(delivery.ch, group);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.flush);
      }
    }
    group.deliveries.push(delivery);
    delivery.acking = true;
    return group.promise;
  }

  /** Sends this turn's acks now. */
  readonly flush = (): void => {
    this.scheduled = false;
    const groups = [...this.groups];
    this.groups.clear();
    for (const [ch, group] of groups) {
      try {
        this.send(ch, group.deliveries);
        group.resolve();
      } catch {
        for (const d of group.deliveries) d.acking = false;
        group.reject(new ChannelLostError());
      }
    }
  };

  private send(ch: Channel, deliveries: RabbitDelivery[]): void {
    if (deliveries.some((d) => d.lost)) throw new ChannelLostError();
    const unacked = this.unacked.get(ch);
    let last: RabbitDelivery | null = null;
    let covered = 0;
    if (unacked) {
      for (const u of unacked) {
        if (!u.acking) break;
        last = u;
        covered++;
      }
    }
    if (last && covered > 1) {
      // Every message up to this one: the oldest unacked ones are all in this turn's acks.
      ch.ack(last.msg, true);
      for (const u of unacked!) {
        this.forget(unacked!, u);
        if (u === last) break;
      }
    }
    for (const d of deliveries) {
      if (!d.acking) continue;
      ch.ack(d.msg);
      if (unacked) this.forget(unacked, d);
    }
  }

  private forget(unacked: Set<RabbitDelivery>, d: RabbitDelivery): void {
    unacked.delete(d);
    d.acking = false;
  }

  /** Acks one message at once (its copy is stored elsewhere: a delay queue, the DLQ). */
  ackOne(delivery: RabbitDelivery): void {
    if (delivery.lost) throw new ChannelLostError();
    try {
      delivery.ch.ack(delivery.msg);
    } catch {
      throw new ChannelLostError();
    }
    const unacked = this.unacked.get(delivery.ch);
    if (unacked) this.forget(unacked, delivery);
  }

  /** Back to the queue now. On a dead channel the broker has requeued it already. */
  requeue(delivery: RabbitDelivery): void {
    const unacked = this.unacked.get(delivery.ch);
    if (unacked) this.forget(unacked, delivery);
    if (delivery.lost) return;
    try {
      delivery.ch.nack(delivery.msg, false, true);
    } catch {
      // Channel closed meanwhile: same outcome.
    }
  }

  /** The channel died: the broker requeued everything it counted, and nothing can be acked on it. */
  lose(ch: Channel): void {
    this.unacked.delete(ch);
  }
}
