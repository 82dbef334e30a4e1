import { useState } from 'preact/hooks';
import type { Checked, FieldErrors } from './validation.js';

export interface FormSubmit {
  /** The last check's messages, by field; empty once the inputs passed. */
  errors: FieldErrors;
  /** Why the last submit failed, for an ErrorNotice above the form; cleared when the next one starts. */
  failure: unknown;
  /** From submit until the request is answered: the submit button shows it and is disabled. */
  busy: boolean;
  onSubmit: (event: Event) => Promise<void>;
}

/**
 * A form's submit plumbing, the same in every form: `check` turns the inputs into a request, or
 * into field errors (and nothing is sent); `send` sends it. Whatever either throws becomes
 * `failure`, and the inputs stay as typed. `check` may be async (the device form makes the key
 * pair it validates first).
 */
export function useFormSubmit<T>(
  check: () => Checked<T> | Promise<Checked<T>>,
  send: (value: T) => Promise<void>,
): FormSubmit {
  const [errors, setErrors] = useState<FieldErrors>({});
  const [failure, setFailure] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const onSubmit = async (event: Event) => {
    event.preventDefault();
    setFailure(undefined);
    setBusy(true);
    try {
      const checked = await check();
      setErrors(checked.ok ? {} : checked.errors);
      if (checked.ok) await send(checked.value);
    } catch (error) {
      setFailure(error);
    } finally {
      setBusy(false);
    }
  };
  return { errors, failure, busy, onSubmit };
}
