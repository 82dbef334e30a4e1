export { LoginService, type TokenPair, type LoginAttempt } from './login-service.js';
export { SessionService } from './session-service.js';
export { authRoutes } from './auth-routes.js';
