import { useState } from 'preact/hooks';
import type { AuditEvent, Page } from '../api/resources.js';
import { useServices } from '../app/services.js';
import { Button, Empty, ErrorNotice, Loading, PageHeader } from '../ui/components.js';
import { dateTime } from '../ui/format.js';
import { useAsync } from '../ui/hooks.js';

const PAGE_SIZE = 50;
/** The types the API writes (auth-api/src/platform/audit/audit-log.ts), offered as suggestions. */
const TYPES = [
  'auth.login', 'auth.login_failed', 'auth.logout', 'auth.refresh_reuse', 'auth.totp_enabled', 'auth.totp_disabled',
  'user.created', 'user.updated', 'user.deleted',
  'enrollment_key.created', 'enrollment_key.used', 'enrollment_key.revoked',
  'node.enrolled', 'node.updated', 'node.deleted', 'device.created', 'device.updated', 'device.deleted',
  'port_forward.created', 'port_forward.updated', 'port_forward.deleted', 'command.created', 'policy.updated',
];

interface Query {
  type: string;
  /** `datetime-local` text, in the browser's time zone. */
  since: string;
}

/** Admin: the audit log, filtered by type and start time, a page at a time (cursor). */
export function AuditView() {
  const { http } = useServices();
  const [query, setQuery] = useState<Query>({ type: '', since: '' });
  const [cursors, setCursors] = useState<Array<string | undefined>>([undefined]);
  const cursor = cursors[cursors.length - 1];
  const [page] = useAsync(
    () =>
      http.get<Page<AuditEvent>>('/v1/audit-events', {
        type: query.type || undefined,
        since: query.since ? new Date(query.since).toISOString() : undefined,
        cursor,
        limit: PAGE_SIZE,
      }),
    [query, cursor],
  );
  const setFilter = (change: Partial<Query>) => {
    setQuery({ ...query, ...change });
    setCursors([undefined]);
  };
  return (
    <section>
      <PageHeader title="Audit log" />
      <form class="filters" aria-label="Filter the audit log" onSubmit={(e) => e.preventDefault()}>
        <label class="filter">
          <span>Type</span>
          <input list="audit-types" value={query.type} onChange={(e) => setFilter({ type: e.currentTarget.value.trim() })} placeholder="Any type" />
          <datalist id="audit-types">{TYPES.map((type) => <option key={type} value={type} />)}</datalist>
        </label>
        <label class="filter">
          <span>Since</span>
          <input type="datetime-local" value={query.since} onChange={(e) => setFilter({ since: e.currentTarget.value })} />
        </label>
      </form>
      {page.status === 'error' ? <ErrorNotice error={page.error} title="The audit log could not be read." /> : null}
      {page.status === 'loading' && !page.value ? <Loading what="the audit log" /> : null}
      {page.value?.items.length === 0 ? <Empty>No audit events match.</Empty> : null}
      {page.value && page.value.items.length > 0 ? <AuditTable events={page.value.items} /> : null}
      <nav class="pager" aria-label="Audit log pages">
        <Button disabled={cursors.length <= 1} onClick={() => setCursors(cursors.slice(0, -1))}>Newer</Button>
        <span>Page {cursors.length}</span>
        <Button disabled={!page.value?.next_cursor} onClick={() => setCursors([...cursors, page.value?.next_cursor])}>Older</Button>
      </nav>
    </section>
  );
}

function AuditTable({ events }: { events: AuditEvent[] }) {
  return (
    <table class="table" data-testid="audit-table">
      <thead>
        <tr><th scope="col">When</th><th scope="col">Type</th><th scope="col">Actor</th><th scope="col">Subject</th><th scope="col">IP</th><th scope="col">Details</th></tr>
      </thead>
      <tbody>
        {events.map((event) => (
          <tr key={event.id}>
            <td>{dateTime(event.at)}</td>
            <th scope="row" class="mono">{event.type}</th>
            <td>{event.actor ?? '—'}</td>
            <td>{event.subject ?? '—'}</td>
            <td class="mono">{event.ip ?? '—'}</td>
            <td class="mono details">{Object.keys(event.data).length > 0 ? JSON.stringify(event.data) : ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
