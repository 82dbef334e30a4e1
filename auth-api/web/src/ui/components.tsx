import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { ApiError, describeError } from '../api/api-error.js';

type ButtonProps = JSX.HTMLAttributes<HTMLButtonElement> & {
  variant?: 'primary' | 'danger' | 'plain';
  busy?: boolean;
  type?: 'button' | 'submit';
  disabled?: boolean;
};

export function Button({ variant = 'plain', busy = false, type = 'button', children, ...rest }: ButtonProps) {
  return (
    <button {...rest} type={type} class={`button button-${variant}`} disabled={busy || rest.disabled} aria-busy={busy}>
      {children}
    </button>
  );
}

interface FieldProps {
  label: string;
  hint?: string;
  error?: string | undefined;
  children: (id: string, describedBy: string | undefined) => ComponentChildren;
}

/** A label, the control `children` renders with the given id, and its hint or error. */
export function Field({ label, hint, error, children }: FieldProps) {
  const id = useId();
  const noteId = `${id}-note`;
  return (
    <div class={`field${error ? ' field-invalid' : ''}`}>
      <label for={id}>{label}</label>
      {children(id, hint || error ? noteId : undefined)}
      {error ? (
        <p id={noteId} class="field-error">
          {error}
        </p>
      ) : hint ? (
        <p id={noteId} class="field-hint">
          {hint}
        </p>
      ) : null}
    </div>
  );
}

export function ErrorNotice({ error, title }: { error: unknown; title?: string }) {
  return (
    <div class="notice notice-error" role="alert">
      {title ? <strong>{title} </strong> : null}
      {describeError(error)}
    </div>
  );
}

/**
 * A list that could not be read: a refusal for the role is a plain note (the API decides what
 * each role may read), anything else an error in words.
 */
export function ReadError({ error, what }: { error: unknown; what: string }) {
  if (error instanceof ApiError && error.status === 403) return <Empty>Your role cannot read {what}.</Empty>;
  return <ErrorNotice error={error} title={`The ${what} could not be read.`} />;
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="loading" role="status" aria-live="polite">
      <span class="spinner" aria-hidden="true" /> Loading {what}…
    </p>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="empty">{children}</p>;
}

export function Badge({ tone, children, title }: { tone: 'ok' | 'warn' | 'bad' | 'muted' | 'info'; children: ComponentChildren; title?: string }) {
  return (
    <span class={`badge badge-${tone}`} title={title}>
      {children}
    </span>
  );
}

export function PageHeader({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <header class="page-header">
      <h1 tabIndex={-1}>{title}</h1>
      <div class="page-actions">{children}</div>
    </header>
  );
}

/** A modal `<dialog>`: the browser traps focus inside, Escape closes it, focus returns after. */
export function Dialog({ title, onClose, children }: { title: string; onClose: () => void; children: ComponentChildren }) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  return (
    <dialog ref={ref} class="dialog" aria-labelledby={titleId} onClose={onClose}>
      <h2 id={titleId}>{title}</h2>
      {children}
    </dialog>
  );
}

/** A button that asks first: "Delete node sim-1?" with Cancel focused. */
export function ConfirmButton(props: {
  label: string;
  question: string;
  confirmLabel: string;
  onConfirm: () => Promise<void>;
  variant?: 'danger' | 'plain';
}) {
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const confirm = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await props.onConfirm();
      setOpen(false);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <Button variant={props.variant ?? 'danger'} onClick={() => setOpen(true)}>
        {props.label}
      </Button>
      {open ? (
        <Dialog title={props.question} onClose={() => setOpen(false)}>
          {error ? <ErrorNotice error={error} /> : null}
          <div class="dialog-actions">
            <Button autoFocus onClick={() => setOpen(false)}>
              Cancel
            </Button>
            <Button variant="danger" busy={busy} onClick={confirm}>
              {props.confirmLabel}
            </Button>
          </div>
        </Dialog>
      ) : null}
    </>
  );
}

export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
      setTimeout(() => setCopied(false), 2_000);
    } catch {
      // No clipboard permission (plain http on another host): the text is selectable instead.
      setCopied(false);
    }
  };
  return (
    <Button onClick={copy} aria-live="polite">
      {copied ? 'Copied' : label}
    </Button>
  );
}
