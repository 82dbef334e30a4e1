import type { NodeFilter, NodeStateFilter } from './filter-nodes.js';

const STATES: Array<[NodeStateFilter, string]> = [
  ['all', 'Any state'],
  ['online', 'Online'],
  ['offline', 'Offline'],
  ['behind', 'Behind (not yet applied)'],
  ['error', 'With an error'],
  ['drift', 'Drifted'],
];

export function FleetFilters(props: {
  filter: NodeFilter;
  onChange: (filter: NodeFilter) => void;
  regions: string[];
  tags: string[];
}) {
  const { filter, onChange } = props;
  const set = (change: Partial<NodeFilter>) => onChange({ ...filter, ...change });
  return (
    <form class="filters" aria-label="Filter nodes" onSubmit={(event) => event.preventDefault()}>
      <label class="filter filter-search">
        <span>Search</span>
        <input
          type="search"
          placeholder="Name, IP, endpoint, tag…"
          value={filter.text}
          onInput={(event) => set({ text: event.currentTarget.value })}
        />
      </label>
      <label class="filter">
        <span>Region</span>
        <select value={filter.region} onChange={(event) => set({ region: event.currentTarget.value })}>
          <option value="">All regions</option>
          {props.regions.map((region) => (
            <option key={region} value={region}>
              {region}
            </option>
          ))}
        </select>
      </label>
      <label class="filter">
        <span>State</span>
        <select value={filter.state} onChange={(event) => set({ state: event.currentTarget.value as NodeStateFilter })}>
          {STATES.map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </label>
      <label class="filter">
        <span>Tag</span>
        <select value={filter.tag} onChange={(event) => set({ tag: event.currentTarget.value })}>
          <option value="">All tags</option>
          {props.tags.map((tag) => (
            <option key={tag} value={tag}>
              {tag}
            </option>
          ))}
        </select>
      </label>
    </form>
  );
}
