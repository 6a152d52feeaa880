/** SQS and SNS take at most 10 entries per batch request. */
export const MAX_BATCH_ENTRIES = 10;

/**
 * Splits entries into requests of at most `maxCount` entries and `maxBytes` bytes in all (SNS
 * PublishBatch: 256 KiB; SQS SendMessageBatch: 1 MiB). An entry alone over `maxBytes` gets a request
 * of its own, which the service refuses for that entry only.
 */
export function chunkBySize<T>(
  items: readonly T[],
  sizeOf: (item: T) => number,
  maxCount: number,
  maxBytes: number,
): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = sizeOf(item);
    if (current.length > 0 && (current.length >= maxCount || bytes + size > maxBytes)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** A batch entry that failed, as SQS and SNS report one (`Failed[]` of every batch call). */
export interface FailedEntry {
  Id?: string | undefined;
  Code?: string | undefined;
  Message?: string | undefined;
  SenderFault?: boolean | undefined;
}

/** An error for one entry of a batch the service refused; `code` is the service's. */
export class BatchEntryError extends Error {
  readonly code: string;
  constructor(what: string, failed: FailedEntry) {
    super(`${what} failed: ${failed.Code ?? "unknown"}: ${failed.Message ?? ""}`.trim());
    this.name = "BatchEntryError";
    this.code = failed.Code ?? "";
  }
}

/**
 * Answers of a batch call in input order: undefined for a success, the entry's error for a failure.
 * Entry ids are the inputs' indexes; an id the service answered neither way is an error too.
 */
export function entryResults(
  count: number,
  successful: ReadonlyArray<{ Id?: string | undefined }> | undefined,
  failed: readonly FailedEntry[] | undefined,
  what: string,
): Array<undefined | Error> {
  const out: Array<undefined | Error> = new Array(count).fill(new Error(`${what}: no answer for this entry`));
  for (const s of successful ?? []) out[Number(s.Id)] = undefined;
  for (const f of failed ?? []) out[Number(f.Id)] = new BatchEntryError(what, f);
  return out;
}
