import { memoryLimiterFactory } from './limiter-factory.js';
import { limiterContractSuite } from './limiter-factory.test-suite.js';

// In memory each instance counts on its own: there is no second instance sharing the store.
limiterContractSuite('memoryLimiterFactory', async () => ({ factory: memoryLimiterFactory() }));
