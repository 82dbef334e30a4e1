import { useState } from 'preact/hooks';

type Draft<D> = { [K in keyof D]: string };

/**
 * A form's inputs as one value of strings; `set(key)` is the input or change handler that writes
 * that field from the control's value.
 */
export function useDraft<D extends Draft<D>>(
  initial: D | (() => D),
): [D, (key: keyof D) => (event: Event) => void] {
  const [draft, setDraft] = useState<D>(initial);
  const set = (key: keyof D) => (event: Event) => {
    const value = (event.currentTarget as HTMLInputElement).value;
    setDraft((current) => ({ ...current, [key]: value }));
  };
  return [draft, set];
}
