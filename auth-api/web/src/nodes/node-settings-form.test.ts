import { describe, expect, it } from 'vitest';
import { node } from '../testing/fixtures.js';
import { changesOf } from './node-settings-form.js';

const draft = {
  name: 'node-1',
  region: 'eu',
  endpoint: '',
  listen_port: '51820',
  routes: '',
  tags: 'lb, web',
};

describe('the node settings PATCH', () => {
  it('sends only what changed: nothing for the node as it is, or its tags in another order', () => {
    const tagged = node(1, { tags: ['lb', 'web'] });
    expect(changesOf(tagged, draft)).toEqual({});
    expect(changesOf(tagged, { ...draft, tags: 'web lb,web' })).toEqual({});
  });

  it('sends the whole new tag list, sorted; an empty one clears them', () => {
    expect(changesOf(node(1, { tags: ['lb'] }), { ...draft, tags: 'web, db' })).toEqual({
      tags: ['db', 'web'],
    });
    expect(changesOf(node(1, { tags: ['lb'] }), { ...draft, tags: '' })).toEqual({ tags: [] });
  });

  it('clears region and endpoint when emptied, and keeps a port that is not a number for the schema to refuse', () => {
    expect(changesOf(node(1, { tags: ['lb', 'web'] }), { ...draft, region: ' ', listen_port: 'x' })).toEqual({
      region: null,
      listen_port: 'x',
    });
  });
});
