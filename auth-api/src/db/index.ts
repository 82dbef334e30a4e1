export { openDatabase, type Database } from './database.js';
export { connectionFailureReason, isDatabaseUnavailable } from './connection-errors.js';
