export { LoginService, type LoginAttempt } from './login-service.js';
export { authRouteDefinitions } from './auth-routes.js';
