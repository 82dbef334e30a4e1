export { enqueue, bumpRevisions, type OutboxEvent } from './outbox.js';
export { OutboxRelay } from './relay.js';
