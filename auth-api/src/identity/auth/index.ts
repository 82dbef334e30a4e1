export { LoginService, type LoginAttempt } from './login-service.js';
export { authRoutes } from './auth-routes.js';
