/**
 * Keeps the event loop polling its sockets, instead of sleeping in the kernel, for a short window
 * after each request (as a device thread looks for its next run before it sleeps).
 *
 * Why: on these VMs an idle vCPU halts, and waking a thread parked on a halted vCPU costs
 * 30–70 µs, several times a small request's own work. A client that sends its next request
 * within the window, or a device run that finishes within it, then finds the loop awake: one
 * client's PING round trip went from ~80 µs to ~Redis's ~9 µs (bench/cpu-budget.md). Under load
 * the loop never runs out of sockets to read, so the window costs nothing there; when traffic
 * stops it costs at most one window of one core's time.
 *
 * The polling is a chain of setImmediate callbacks: while an immediate is pending, libuv polls
 * for I/O without blocking, so every socket and completion is served as it arrives.
 */
/** 100 µs: a one-client round trip here is 20–50 µs, a tiny model's run 5–30 µs. */
export const DEFAULT_BUSY_POLL_MICROS = 100;

/** The most a window may be: past a few ms, sleeping costs less than the wake-up saves. */
export const MAX_BUSY_POLL_MICROS = 10_000;

export class BusyPoll {
  private until = 0;
  private spinning = false;

  /** `windowMicros` 0 turns polling off. */
  constructor(private windowMicros: number) {}

  /** Something happened: keep polling until one window from now. */
  activity(): void {
    if (this.windowMicros <= 0) return;
    this.until = performance.now() + this.windowMicros / 1000;
    if (!this.spinning) {
      this.spinning = true;
      setImmediate(this.spin);
    }
  }

  private readonly spin = (): void => {
    if (performance.now() < this.until) setImmediate(this.spin);
    else this.spinning = false;
  };
}
