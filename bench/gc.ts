import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/**
 * A full collection right before an in-process run starts its clock: no run pays for the garbage
 * of the one before it, nor for moving what it prepared (its envelopes) out of the young generation.
 */
export function collectGarbage(): void {
  gc();
}
