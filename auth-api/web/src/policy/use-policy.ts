import { FLEET_ROOM } from '@wirefleet/shared/protocol';
import { useCallback, useEffect, useState } from 'preact/hooks';
import type { Page, PolicyState, PolicyVersion } from '../api/resources.js';
import { useServices } from '../app/services.js';
import { useAsync } from '../ui/hooks.js';
import { policyText } from './policy-document.js';

/** How many versions the history shows (newest first); the API keeps them all. */
const HISTORY_LIMIT = 100;

/**
 * The policy in force and its versions, read again when the `fleet` room says a new version was
 * saved (here or anywhere else) and after a resync.
 */
export function usePolicy() {
  const { http, live } = useServices();
  const [current, reloadCurrent] = useAsync(() => http.get<PolicyState>('/v1/policy'), []);
  const [versions, reloadVersions] = useAsync(
    () =>
      http
        .get<Page<PolicyVersion>>('/v1/policy/versions', { limit: HISTORY_LIMIT })
        .then((page) => page.items),
    [],
  );
  const reload = useCallback(() => {
    reloadCurrent();
    reloadVersions();
  }, [reloadCurrent, reloadVersions]);
  useEffect(
    () =>
      live.subscribe(
        FLEET_ROOM,
        (event) => {
          if (event.event === 'policy.updated') reload();
        },
        reload,
      ),
    [live, reload],
  );
  return { current, versions, reload };
}

export interface PolicyEditorState {
  text: string;
  setText: (text: string) => void;
  /** The version the text was loaded from (0: none set yet). */
  loadedVersion: number;
  /** Edited since it was loaded. */
  dirty: boolean;
  /** The text came from an older version than the one in force (saving it reverts). */
  reverting: boolean;
  /** A version saved elsewhere while this text was being edited; `loadCurrent` shows it. */
  newer: PolicyState | undefined;
  load: (version: Pick<PolicyVersion, 'version' | 'rules' | 'tests'>) => void;
  loadCurrent: () => void;
  /** After a save: the text sent is that version, and in force (edits made meanwhile stay). */
  saved: (text: string, version: number) => void;
}

interface Base {
  text: string;
  /** The version the text came from. */
  version: number;
  /** The newest version in force the editor had seen then. */
  seen: number;
}

/**
 * The editor's text. It follows the policy in force while it is not edited; once edited (or an
 * older version loaded to revert to), a newer version is announced instead of replacing it.
 */
export function usePolicyEditor(current: PolicyState | undefined): PolicyEditorState {
  const [text, setText] = useState('');
  const [base, setBase] = useState<Base | undefined>();
  const dirty = base !== undefined && text !== base.text;
  const show = (shown: string, version: number, seen: number) => {
    setText(shown);
    setBase({ text: shown, version, seen });
  };
  const loadCurrent = () => current && show(policyText(current.policy), current.version, current.version);
  useEffect(() => {
    if (!current) return;
    const stale = base === undefined || (!dirty && base.version === base.seen && current.version > base.seen);
    if (stale) loadCurrent();
  }, [current]);
  const seen = current?.version ?? 0;
  return {
    text,
    setText,
    loadedVersion: base?.version ?? 0,
    dirty,
    reverting: base !== undefined && base.version !== base.seen,
    newer:
      current && base && current.version > base.seen && (dirty || base.version !== base.seen)
        ? current
        : undefined,
    load: (version) => show(policyText(version), version.version, seen),
    loadCurrent,
    saved: (sent, version) => setBase({ text: sent, version, seen: version }),
  };
}
