export { AuditLog, type AuditEvent, type AuditEventType, type AuditRecord } from './audit-log.js';
export { auditRouteDefinitions } from './audit-routes.js';
