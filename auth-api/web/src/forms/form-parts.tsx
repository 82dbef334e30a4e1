import type { JSX } from 'preact';
import { Button, Field } from '../ui/components.js';

type InputProps = Omit<JSX.InputHTMLAttributes<HTMLInputElement>, 'id' | 'value' | 'onInput' | 'label'>;

interface TextFieldProps extends InputProps {
  label: string;
  hint?: string;
  error?: string | undefined;
  value: string;
  onInput: (event: JSX.TargetedEvent<HTMLInputElement, Event>) => void;
}

/** A labelled text input whose hint or error is tied to it (aria-describedby, aria-invalid). */
export function TextField({ label, hint, error, value, onInput, ...input }: TextFieldProps) {
  return (
    <Field label={label} hint={hint} error={error}>
      {(id, describedBy) => (
        <input
          id={id}
          value={value}
          onInput={onInput}
          aria-describedby={describedBy}
          aria-invalid={error ? true : undefined}
          {...input}
        />
      )}
    </Field>
  );
}

/** A create form's buttons: submit (busy while it runs) and Cancel. */
export function FormActions({
  submit,
  busy,
  onCancel,
}: {
  submit: string;
  busy: boolean;
  onCancel: () => void;
}) {
  return (
    <div class="form-actions">
      <Button type="submit" variant="primary" busy={busy}>
        {submit}
      </Button>
      <Button onClick={onCancel}>Cancel</Button>
    </div>
  );
}
