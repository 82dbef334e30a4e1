export { type BackoffOptions, DEFAULT_BACKOFF, nextDelay } from './backoff.js';
export { type CloseDecision, decideAfterClose } from './close-policy.js';
export { type ClientErrorCode, RealtimeClientError } from './errors.js';
export type {
  ClientLogger,
  CloseInfo,
  ConnectionState,
  RealtimeClientEvents,
  RealtimeClientOptions,
  TimerHandle,
  TokenProvider,
  TokenRequest,
  WelcomeFrame,
} from './options.js';
export { RealtimeClient } from './realtime-client.js';
export type { EventHandler } from './subscriptions.js';
export { isNewerOffset } from '../protocol/offsets.js';
export type { CloseEventLike, MessageEventLike, WebSocketConstructor, WebSocketLike } from './websocket.js';
