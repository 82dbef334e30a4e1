import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { Readable } from '../app/store.js';

/** The store's current value; re-renders when it changes. */
export function useStore<T>(store: Readable<T>): T {
  const value = store.get();
  const [, setTick] = useState(0);
  const rendered = useRef(value);
  rendered.current = value;
  useEffect(() => {
    const changed = () => setTick((tick) => tick + 1);
    const unsubscribe = store.subscribe(changed);
    // Effects run after paint: a change in between would otherwise go unseen.
    if (!Object.is(store.get(), rendered.current)) changed();
    return unsubscribe;
  }, [store]);
  return value;
}

export type AsyncState<T> =
  | { status: 'loading'; value?: T }
  | { status: 'ready'; value: T }
  | { status: 'error'; error: unknown; value?: T };

/**
 * Runs `load` when `deps` change and on `reload()`; keeps the last value while reloading, so a
 * table does not flash empty. A result that arrives after a newer call started is dropped.
 */
export function useAsync<T>(load: () => Promise<T>, deps: unknown[]): [AsyncState<T>, () => void] {
  const [state, setState] = useState<AsyncState<T>>({ status: 'loading' });
  const generation = useRef(0);
  const run = useCallback(() => {
    const mine = ++generation.current;
    setState((current) => ({ status: 'loading', value: current.value }));
    load().then(
      (value) => mine === generation.current && setState({ status: 'ready', value }),
      (error: unknown) => mine === generation.current && setState((current) => ({ status: 'error', error, value: current.value })),
    );
  }, deps);
  useEffect(() => {
    run();
  }, [run]);
  return [state, run];
}

/** Ticks every `ms`, for relative times ("12 s ago") that must age on screen. */
export function useNow(ms = 1_000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}
