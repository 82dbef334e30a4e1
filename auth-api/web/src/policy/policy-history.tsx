import type { PolicyVersion } from '../api/resources.js';
import { Badge, Button } from '../ui/components.js';
import { dateTime } from '../ui/format.js';
import type { AsyncState } from '../ui/hooks.js';
import { ListStatus } from '../ui/list-status.js';

interface Props {
  versions: AsyncState<PolicyVersion[]>;
  inForce: number;
  /** Puts the version's document into the editor; saving it there is the revert. */
  onLoad: (version: PolicyVersion) => void;
}

/** Every saved version, newest first, with who saved it and when. */
export function PolicyHistory({ versions, inForce, onLoad }: Props) {
  const items = versions.value ?? [];
  return (
    <section class="card" aria-labelledby="policy-history-title">
      <h2 id="policy-history-title">History</h2>
      <ListStatus list={versions} what="policy versions" empty="No version saved yet." />
      {items.length > 0 ? (
        <table class="table" data-testid="policy-history">
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Saved</th>
              <th scope="col">By</th>
              <th scope="col">Rules</th>
              <th scope="col">Tests</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((version) => (
              <tr key={version.version} data-version={version.version}>
                <th scope="row">
                  {version.version} {version.version === inForce ? <Badge tone="ok">in force</Badge> : null}
                </th>
                <td>{dateTime(version.created_at)}</td>
                <td>{version.created_by}</td>
                <td class="number">{version.rules.length}</td>
                <td class="number">{version.tests.length}</td>
                <td class="actions">
                  <Button
                    onClick={() => onLoad(version)}
                    aria-label={`Load version ${version.version} into the editor`}
                  >
                    Load into editor
                  </Button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
