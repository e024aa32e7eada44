/**
 * Memory held by the unfinished requests of all clients together. Each client is already bounded
 * by client-query-buffer-limit; this bounds their sum, so that many clients each staying under
 * their own limit cannot together exhaust the JavaScript heap. Decoders charge a request as it
 * arrives and give the charge back when it completes or its connection closes.
 */
export class QueryBufferBudget {
  private held = 0;

  /** `limit()` is read on every charge, so CONFIG SET applies at once. */
  constructor(private readonly limit: () => number) {}

  /** Takes `bytes`; false (and nothing taken) when that would pass the limit. */
  take(bytes: number): boolean {
    if (this.held + bytes > this.limit()) return false;
    this.held += bytes;
    return true;
  }

  give(bytes: number): void {
    this.held -= bytes;
  }

  /** Bytes held now by unfinished requests (INFO). */
  get used(): number {
    return this.held;
  }
}

/**
 * The default total: a quarter of V8's heap limit, at most 1 GB. Unfinished requests are charged
 * at least what they hold in the heap (see ARGUMENT_OVERHEAD), so this leaves the heap room.
 */
export function defaultTotalQueryBufferLimit(heapLimit: number): number {
  return Math.min(1024 * 1024 * 1024, Math.floor(heapLimit / 4));
}
