export { openDatabase, type Database } from './database.js';
