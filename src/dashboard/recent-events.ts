import type { Envelope } from "../envelope/envelope.js";
import type { FlowObserver, SettleResult } from "../observability/flow.js";
import type { RecentDetail, RecentSummary, SettledView } from "./api-types.js";
import { typeOf } from "./describe.js";
import { redact } from "./redact.js";

/** Default number of envelopes kept. */
export const DEFAULT_RECENT_CAPACITY = 1000;
/** Settlements kept per envelope (a flapping handler retried many times keeps its latest ones). */
const MAX_SETTLEMENTS = 20;

interface Settlement {
  group: string;
  result: SettleResult;
  attempt: number;
  routes: readonly string[];
  error: string | undefined;
  at: number;
}

/** One slot of the ring; slots are reused, so steady-state recording allocates no entry objects. */
interface Slot {
  envelope: Envelope | null;
  seenAt: number;
  accepted: number;
  duplicates: number;
  /** False when the envelope was first seen settled (received by another process). */
  received: boolean;
  settlements: Settlement[];
}

/**
 * The last N envelopes that went by, with what each consumer group did with them: the dashboard's
 * recent-events view. A FlowObserver: `received()` is called by ingress and `settled()` by workers,
 * on their hot paths, so both only record (a map lookup and a slot write; never a wait, never a throw).
 * Envelopes are kept as they are and redacted only when shown.
 */
export class RecentEvents implements FlowObserver {
  private readonly slots: Slot[];
  private readonly byId = new Map<string, Slot>();
  private next = 0;

  constructor(readonly capacity = DEFAULT_RECENT_CAPACITY) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError("capacity must be an integer >= 1");
    this.slots = Array.from({ length: capacity }, () => ({
      envelope: null,
      seenAt: 0,
      accepted: 0,
      duplicates: 0,
      received: false,
      settlements: [],
    }));
  }

  get size(): number {
    return this.byId.size;
  }

  readonly received = (envelope: Envelope, outcome: "accepted" | "duplicate"): void => {
    try {
      const slot = this.byId.get(envelope.id) ?? this.take(envelope);
      slot.received = true;
      if (outcome === "accepted") slot.accepted++;
      else slot.duplicates++;
    } catch {
      // An observer never fails its caller.
    }
  };

  readonly settled = (
    group: string,
    envelope: Envelope,
    result: SettleResult,
    detail: { attempt: number; routes: readonly string[]; error?: string },
  ): void => {
    try {
      const slot = this.byId.get(envelope.id) ?? this.take(envelope);
      if (slot.settlements.length >= MAX_SETTLEMENTS) slot.settlements.shift();
      slot.settlements.push({
        group,
        result,
        attempt: detail.attempt,
        routes: detail.routes,
        error: detail.error,
        at: Date.now(),
      });
    } catch {
      // As above.
    }
  };

  /** The oldest slot, emptied and given to this envelope. */
  private take(envelope: Envelope): Slot {
    const slot = this.slots[this.next]!;
    this.next = (this.next + 1) % this.capacity;
    if (slot.envelope && this.byId.get(slot.envelope.id) === slot) this.byId.delete(slot.envelope.id);
    slot.envelope = envelope;
    slot.seenAt = Date.now();
    slot.accepted = 0;
    slot.duplicates = 0;
    slot.received = false;
    slot.settlements.length = 0;
    this.byId.set(envelope.id, slot);
    return slot;
  }

  /** The newest first, at most `limit`. */
  list(limit = 50): RecentSummary[] {
    const out: RecentSummary[] = [];
    for (let i = 1; i <= this.capacity && out.length < limit; i++) {
      const slot = this.slots[(this.next - i + this.capacity) % this.capacity]!;
      if (slot.envelope) out.push(summary(slot));
    }
    return out;
  }

  /** An envelope by its id (the event_id), redacted, with every settlement kept for it. */
  get(id: string): RecentDetail | null {
    const slot = this.byId.get(id);
    if (!slot?.envelope) return null;
    return {
      ...summary(slot),
      envelope: redact(slot.envelope),
      history: slot.settlements.map(settledView),
    };
  }
}

function settledView(s: Settlement): SettledView {
  return {
    group: s.group,
    result: s.result,
    attempt: s.attempt,
    routes: [...s.routes],
    error: s.error ?? null,
    at: s.at,
  };
}

function summary(slot: Slot): RecentSummary {
  const envelope = slot.envelope!;
  const latest = new Map<string, Settlement>();
  for (const s of slot.settlements) latest.set(s.group, s);
  return {
    eventId: envelope.id,
    kind: envelope.kind,
    type: typeOf(envelope),
    receivedAt: typeof envelope.received_at === "number" ? envelope.received_at : slot.seenAt,
    ingress: slot.received ? { accepted: slot.accepted, duplicates: slot.duplicates } : null,
    groups: [...latest.values()].map((s) => ({ group: s.group, result: s.result, attempt: s.attempt })),
  };
}
