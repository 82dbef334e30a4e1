export * from './close-codes.js';
export * from './rooms.js';
export * from './frames.js';
export * from './node-config.js';
export * from './offsets.js';
