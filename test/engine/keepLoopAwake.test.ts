// While several clients keep sending, the server stands the polls down (Server.noteRequest calls
// standDown on nearly every request): the device threads' spin must stay stood down as long as
// that goes on, renewed about once a millisecond, not once per request and not just once.
import { strict as assert } from 'node:assert';
import { afterEach, describe, it, jest } from '@jest/globals';
import { standDown } from '../../src/engine/keepLoopAwake';
import { native } from '../../src/native';

describe('standDown', () => {
  afterEach(() => {
    jest.restoreAllMocks();
    jest.useRealTimers();
  });

  it('keeps the device threads from spinning for as long as requests keep coming, telling them about once a millisecond', () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const calls: Array<{ at: number; ms: number }> = [];
    jest.spyOn(native, 'standDownDeviceSpin').mockImplementation((ms: number) => {
      calls.push({ at: performance.now(), ms });
    });
    const start = performance.now();
    // 40 ms of requests every 25 µs (M1's rate), each standing the polls down for 5 ms.
    for (let i = 0; i < 1600; i++) {
      standDown(5);
      jest.advanceTimersByTime(0.025);
    }
    const end = performance.now();
    assert.ok(calls.length >= 20 && calls.length <= 60, `${calls.length} calls over 40 ms`);
    // At every moment of the 40 ms, and 5 ms past the last request, the last call covers it.
    for (let t = start; t <= end + 5; t += 0.1) {
      const last = calls.filter((c) => c.at <= t).pop();
      assert.ok(last !== undefined && last.at + last.ms >= t, `device spin allowed again at +${(t - start).toFixed(1)} ms`);
    }
  });
});
