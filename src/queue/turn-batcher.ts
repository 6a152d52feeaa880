/**
 * Gathers the calls made during one event-loop turn and runs them as one request in the check phase
 * right after. A worker handles many deliveries at once; for a networked store, one MGET of 64 keys
 * costs about what one of 1 key does, while 64 commands cost 64 times the client's CPU.
 */
export class TurnBatcher<In, Out> {
  private pending: Array<{ input: In; resolve: (out: Out) => void; reject: (err: unknown) => void }> = [];

  /**
   * `run` answers every input of a batch, in order; an answer that is an Error rejects its own call
   * only (one item of a batch can fail where the others succeed, as a script's XADD can).
   */
  constructor(
    private readonly run: (inputs: In[]) => Promise<Array<Out | Error>>,
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
      const batch = all.length <= this.maxBatch ? all : all.slice(i, i + this.maxBatch);
      const inputs: In[] = new Array(batch.length);
      for (let j = 0; j < batch.length; j++) inputs[j] = batch[j]!.input;
      this.run(inputs).then(
        (outputs) => {
          for (let j = 0; j < batch.length; j++) {
            const out = outputs[j];
            if (out instanceof Error) batch[j]!.reject(out);
            else batch[j]!.resolve(out as Out);
          }
        },
        (err: unknown) => {
          for (const b of batch) b.reject(err);
        },
      );
    }
  };
}
