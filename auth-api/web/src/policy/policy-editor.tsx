import type { PolicyDocument, PolicyIssue } from '@wirefleet/shared/schemas';
import { useMemo, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api/api-error.js';
import type { PolicyUpdate } from '../api/resources.js';
import { useServices } from '../app/services.js';
import { useFormSubmit } from '../forms/use-form-submit.js';
import { Button, ErrorNotice, Field } from '../ui/components.js';
import { locatePath, parsePolicy } from './policy-document.js';
import { IssueList, TestResults } from './policy-issues.js';
import type { PolicyEditorState } from './use-policy.js';

/** The last save: the document sent, and the API's answer (the new version, or why not). */
interface SaveOutcome {
  document: PolicyDocument;
  update?: PolicyUpdate;
}

/** The API's refusal of a document, by path; any other failure is said in words instead. */
const refusalOf = (failure: unknown): PolicyIssue[] | undefined =>
  failure instanceof ApiError && failure.code === 'invalid_policy' ? failure.fieldErrors : undefined;

/** Saves the editor's document when it passes the shared schema here first. */
function usePolicySave(editor: PolicyEditorState, onSaved: () => void) {
  const { http } = useServices();
  const parsed = useMemo(() => parsePolicy(editor.text), [editor.text]);
  const [outcome, setOutcome] = useState<SaveOutcome>();
  const submit = useFormSubmit(
    // The problems are on screen already (and the button disabled): nothing more to say here.
    () =>
      parsed.ok
        ? { ok: true, value: { document: parsed.document, text: editor.text } }
        : { ok: false, errors: {} },
    async ({ document, text }) => {
      setOutcome({ document });
      const update = await http.put<PolicyUpdate>('/v1/policy', document);
      setOutcome({ document, update });
      editor.saved(text, update.version);
      onSaved();
    },
  );
  return { parsed, outcome, submit };
}

/** The document as JSON: checked as it is typed, saved by an admin, read-only for the others. */
export function PolicyEditor(props: { editor: PolicyEditorState; canWrite: boolean; onSaved: () => void }) {
  const { editor, canWrite } = props;
  const { parsed, outcome, submit } = usePolicySave(editor, props.onSaved);
  const textarea = useRef<HTMLTextAreaElement>(null);
  const locate = (path: string) => {
    const span = locatePath(editor.text, path);
    textarea.current?.focus();
    if (span) textarea.current?.setSelectionRange(span.start, span.end);
  };
  return (
    <form class="card policy-editor" onSubmit={submit.onSubmit} noValidate aria-label="Policy document">
      <EditorNotices editor={editor} canWrite={canWrite} />
      <Field label="Policy (JSON)" hint="Rules allow; tests run on every save (docs/policy.md).">
        {(id, describedBy) => (
          <textarea
            id={id}
            ref={textarea}
            name="policy"
            class="policy-text mono"
            rows={18}
            spellcheck={false}
            readOnly={!canWrite}
            aria-describedby={describedBy}
            aria-invalid={parsed.ok ? undefined : true}
            value={editor.text}
            onInput={(e) => editor.setText(e.currentTarget.value)}
          />
        )}
      </Field>
      {parsed.ok ? null : (
        <IssueList
          title="Not a valid policy:"
          issues={parsed.issues}
          tone="error"
          testId="policy-errors"
          onLocate={locate}
        />
      )}
      {canWrite ? <SaveResult outcome={outcome} failure={submit.failure} onLocate={locate} /> : null}
      {canWrite ? (
        <div class="form-actions">
          <Button type="submit" variant="primary" busy={submit.busy} disabled={!parsed.ok}>
            Save policy
          </Button>
        </div>
      ) : null}
    </form>
  );
}

/** A newer version saved elsewhere, or an older one loaded to revert to. */
function EditorNotices({ editor, canWrite }: { editor: PolicyEditorState; canWrite: boolean }) {
  const { newer, reverting, loadedVersion } = editor;
  return (
    <>
      {newer ? (
        <p class="notice notice-warn" role="status">
          Version {newer.version} was saved by {newer.updated_by ?? 'someone'} meanwhile.{' '}
          <Button onClick={editor.loadCurrent}>Load version {newer.version}</Button>
        </p>
      ) : null}
      {reverting && !newer ? (
        <p class="notice notice-info" data-testid="policy-loaded-version">
          The editor holds version {loadedVersion}
          {canWrite ? '; saving it makes it the policy in force again.' : ', not the one in force.'}
        </p>
      ) : null}
    </>
  );
}

/** The last save's answer: saved (with warnings) or refused (by path), and its tests. */
function SaveResult(props: {
  outcome: SaveOutcome | undefined;
  failure: unknown;
  onLocate: (path: string) => void;
}) {
  const { outcome, failure, onLocate } = props;
  const refusal = refusalOf(failure);
  if (failure && !refusal) return <ErrorNotice error={failure} title="The policy could not be saved." />;
  if (!outcome || (!outcome.update && !refusal)) return null;
  const { update } = outcome;
  return (
    <div class="save-result">
      {refusal ? (
        <IssueList
          title="The API refused it:"
          issues={refusal}
          tone="error"
          role="alert"
          testId="policy-refusal"
          onLocate={onLocate}
        />
      ) : null}
      {update ? (
        <p class="notice notice-info" role="status" data-testid="policy-saved">
          Saved as version {update.version}
          {update.nodes_updated === undefined
            ? '.'
            : `; ${update.nodes_updated} node(s) get a new configuration.`}
        </p>
      ) : null}
      {update && update.warnings.length > 0 ? (
        <IssueList
          title="Saved, with warnings:"
          issues={update.warnings}
          tone="warn"
          role="status"
          testId="policy-warnings"
          onLocate={onLocate}
        />
      ) : null}
      <TestResults document={outcome.document} refusal={update ? undefined : refusal} />
    </div>
  );
}
