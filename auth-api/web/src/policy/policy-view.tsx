import type { PolicyState } from '../api/resources.js';
import { ErrorNotice, Loading, PageHeader, ReadError } from '../ui/components.js';
import { dateTime } from '../ui/format.js';
import { PolicyCheckForm } from './policy-check-form.js';
import { PolicyEditor } from './policy-editor.js';
import { PolicyHistory } from './policy-history.js';
import { usePolicy, usePolicyEditor } from './use-policy.js';

/**
 * The access policy (docs/policy.md): the document in an editor (admins save it; a failing
 * test refuses it and is named), "can A reach B?", and every version, each loadable into the
 * editor to revert to. Kept current from the `fleet` room.
 */
export function PolicyView({ canWrite }: { canWrite: boolean }) {
  const { current, versions, reload } = usePolicy();
  const editor = usePolicyEditor(current.value);
  return (
    <section>
      <PageHeader title="Access policy" />
      {current.status === 'error' && current.value ? <ErrorNotice error={current.error} /> : null}
      {current.status === 'error' && !current.value ? (
        <ReadError error={current.error} what="access policy" />
      ) : null}
      {current.status === 'loading' && !current.value ? <Loading what="the access policy" /> : null}
      {current.value ? (
        <>
          <InForce state={current.value} />
          <PolicyEditor editor={editor} canWrite={canWrite} onSaved={reload} />
          <PolicyCheckForm policy={current.value.policy} />
          <PolicyHistory versions={versions} inForce={current.value.version} onLoad={editor.load} />
        </>
      ) : null}
    </section>
  );
}

function InForce({ state }: { state: PolicyState }) {
  if (state.version === 0) {
    return (
      <p class="notice notice-info" data-testid="policy-in-force">
        No policy is set: every node and device reaches every other one (version 0).
      </p>
    );
  }
  return (
    <p data-testid="policy-in-force">
      Version {state.version} is in force, set by {state.updated_by ?? 'someone'} on{' '}
      {dateTime(state.updated_at)}.
    </p>
  );
}
