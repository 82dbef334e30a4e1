export { AuditLog, type AuditEvent, type AuditEventType, type AuditRecord } from './audit-log.js';
export { auditRoutes } from './audit-routes.js';
