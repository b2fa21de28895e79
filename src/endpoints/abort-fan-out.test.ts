import { describe, expect, it, vi } from 'vitest';
import { AbortFanOut } from './abort-fan-out.ts';

describe('AbortFanOut', () => {
  it('listens once per signal however many attempts watch it, and stops exactly the attempts still watching', () => {
    const fanOut = new AbortFanOut();
    const controller = new AbortController();
    const listen = vi.spyOn(controller.signal, 'addEventListener');
    const stops = Array.from({ length: 5 }, () => vi.fn());
    const unwatch = stops.map((stop) => fanOut.watch(controller.signal, stop));
    expect(listen).toHaveBeenCalledTimes(1);
    unwatch[1]!();
    unwatch[3]!();
    controller.abort();
    expect(stops.map((stop) => stop.mock.calls.length)).toEqual([1, 0, 1, 0, 1]);
    // Aborted signals fire once: a second abort, or an unwatch afterwards, calls nothing again.
    controller.abort();
    unwatch[0]!();
    expect(stops.map((stop) => stop.mock.calls.length)).toEqual([1, 0, 1, 0, 1]);
  });

  it('keeps signals apart, and calls each stop once even when a stop unwatches the others', () => {
    const fanOut = new AbortFanOut();
    const run = new AbortController();
    const client = new AbortController();
    const calls: string[] = [];
    let unwatchB: () => void = () => undefined;
    fanOut.watch(run.signal, () => {
      calls.push('a');
      unwatchB();
    });
    unwatchB = fanOut.watch(run.signal, () => calls.push('b'));
    fanOut.watch(client.signal, () => calls.push('client'));
    run.abort();
    expect(calls).toEqual(['a', 'b']);
    client.abort();
    expect(calls).toEqual(['a', 'b', 'client']);
  });
});
