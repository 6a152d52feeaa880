import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/**
 * A full collection now. Tests that measure the heap call it before reading it; the benchmark calls
 * it right before an in-process run starts its clock, so no run pays for the garbage of the one
 * before it, nor for moving what it prepared (its envelopes) out of the young generation.
 */
export function collectGarbage(): void {
  gc();
}
