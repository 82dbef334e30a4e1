export { PasswordHasher, type Argon2Parameters } from './password-hasher.js';
export { BoundedConcurrency, type ConcurrencyStats } from './bounded-concurrency.js';
