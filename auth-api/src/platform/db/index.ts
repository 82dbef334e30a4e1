export { openDatabase, type Database } from './database.js';
export { connectionFailureReason, isDatabaseUnavailable } from './connection-errors.js';
export { databaseStartupError } from './startup-errors.js';
export { type PreparedStatement, runPrepared } from './prepared-statement.js';
