export { UserStore, toPublicUser, type UserRecord, type PublicUser } from './user-store.js';
export { UserService } from './user-service.js';
export { userRouteDefinitions } from './user-routes.js';
