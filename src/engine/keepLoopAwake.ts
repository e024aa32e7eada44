/**
 * Keeps this thread's event loop polling for I/O, instead of sleeping in the kernel, for a short
 * window (as a device thread looks for its next run before it sleeps).
 *
 * Why: on these VMs an idle vCPU halts, and waking a thread parked on a halted vCPU costs
 * 30–70 µs, several times a small request's own work. A client that sends its next request
 * within the window, or a device run that finishes within it, then finds the loop awake. The
 * server keeps it awake after each request (one client's PING round trip ~75 → ~24 µs), the
 * engine after handing a run to a device thread (a tiny model's in-process `runModel` ~24 →
 * ~9 µs: that wake-up was the "model runs slower than in-process" of bench/cpu-budget.md). When
 * traffic stops it costs at most one window of one core's time. With several clients sending,
 * the loop still runs dry between their requests and the poll took a core from the device thread
 * and the clients, so the server stands it down then (standDown below).
 *
 * The polling is a chain of setImmediate callbacks: while an immediate is pending, libuv polls
 * without blocking, so every socket, timer and completion is served as it arrives and the loop
 * stays free for everything else. Each turn offers the core to any other thread (sched_yield).
 * One chain per thread serves every caller.
 */

import { native } from '../native';

/** 100 µs: a one-client round trip here is 20–50 µs, a tiny model's run 5–30 µs. */
export const DEFAULT_AWAKE_MICROS = 100;

/** The most a window may be: past a few ms, sleeping costs less than the wake-up saves. */
export const MAX_AWAKE_MICROS = 10_000;

let until = 0;
let polling = false;
/** Until when keepLoopAwake does nothing (standDown). */
let standingDownUntil = 0;
/** Until when the device threads were last told not to spin (standDown renews it every ms or so). */
let deviceSpinOffUntil = 0;

function poll(): void {
  if (performance.now() < until) {
    // A loop that polled without giving way kept a client or backend thread that shares its core
    // waiting for the end of the window: a lone MODELEXECUTE took 150 µs instead of 40 when the
    // scheduler had put the load client on the loop's core.
    native.yieldCpu();
    setImmediate(poll);
  } else {
    polling = false;
  }
}

/**
 * Something happened, or will soon: keep polling until `micros` from now (0: nothing to do).
 * `now` is performance.now() where the caller has just read it (a read costs ~130 ns).
 */
export function keepLoopAwake(micros: number, now = performance.now()): void {
  if (micros <= 0) return;
  if (now < standingDownUntil) return;
  const end = now + micros / 1000;
  if (end > until) until = end;
  if (!polling) {
    polling = true;
    setImmediate(poll);
  }
}

/**
 * Several clients are sending: their requests keep the loop fed, and a loop that polls between
 * them only takes a core from the device threads and the clients (8 clients' tiny-model
 * MODELEXECUTE ~24K runs/s polling, ~32K not, on 2 cores). Ends the window, and keepLoopAwake
 * does nothing for the next `millis`. `now` as for keepLoopAwake.
 */
export function standDown(millis: number, now = performance.now()): void {
  until = 0;
  if (now + millis > standingDownUntil) {
    // The device threads stand their spin down too (one call per ms at most): with several
    // clients the cores are saturated, and a sleeping device thread leaves its core to the loop
    // and the clients, and lets the next runs gather while it is woken (M1, 8 clients: 11-12 →
    // 6-8 µs of device thread per run; runs/s up to +18% in some windows, within the machine's
    // drift in others). A lone client keeps both spins (without: half its MODELEXECUTEs/s).
    if (now + millis > deviceSpinOffUntil) {
      native.standDownDeviceSpin(millis + 1);
      deviceSpinOffUntil = now + millis + 1;
    }
    standingDownUntil = now + millis;
  }
}
