/**
 * Gathers the calls made during one event-loop turn and runs them as one request in the check phase
 * right after. A worker handles many deliveries at once; for a networked store, one MGET of 64 keys
 * costs about what one of 1 key does, while 64 commands cost 64 times the client's CPU.
 */
export class TurnBatcher<In, Out> {
  private pending: Array<{ input: In; resolve: (out: Out) => void; reject: (err: unknown) => void }> = [];

  /** `run` answers every input of a batch, in order. */
  constructor(
    private readonly run: (inputs: In[]) => Promise<Out[]>,
    private readonly maxBatch = 1000,
  ) {}

  add(input: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      if (this.pending.push({ input, resolve, reject }) === 1) setImmediate(this.flush);
    });
  }

  /** Runs what is pending now (a closing owner calls this before its connection goes). */
  readonly flush = (): void => {
    const all = this.pending;
    this.pending = [];
    for (let i = 0; i < all.length; i += this.maxBatch) {
      const batch = all.slice(i, i + this.maxBatch);
      this.run(batch.map((b) => b.input)).then(
        (outputs) => {
          for (let j = 0; j < batch.length; j++) batch[j]!.resolve(outputs[j] as Out);
        },
        (err: unknown) => {
          for (const b of batch) b.reject(err);
        },
      );
    }
  };
}
