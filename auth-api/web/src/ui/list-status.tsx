import type { ComponentChildren } from 'preact';
import { Empty, ErrorNotice, Loading, ReadError } from './components.js';
import type { AsyncState } from './hooks.js';

interface ListStatusProps {
  list: AsyncState<unknown[]>;
  /** For "Loading enrollment keys…" and the read error. */
  what: string;
  /** What an empty list says. */
  empty: ComponentChildren;
  /** How many rows a filter leaves, when it is not the whole list. */
  shown?: number;
  /** An error notice with this title; without it a refusal for the role is a plain note. */
  errorTitle?: string;
}

/**
 * What a list shows besides its rows: the read error, "Loading…" until the first answer (a
 * reload keeps the rows), and `empty` when there is no row to show.
 */
export function ListStatus({ list, what, empty, shown, errorTitle }: ListStatusProps) {
  return (
    <>
      {list.status === 'error' ? (
        errorTitle ? (
          <ErrorNotice error={list.error} title={errorTitle} />
        ) : (
          <ReadError error={list.error} what={what} />
        )
      ) : null}
      {list.status === 'loading' && !list.value ? <Loading what={what} /> : null}
      {list.value && (shown ?? list.value.length) === 0 ? <Empty>{empty}</Empty> : null}
    </>
  );
}
