/**
 * Browsers always send Origin on a WebSocket handshake; other clients (agents, CLIs) send none.
 * A present Origin must be allowed explicitly — the cross-site WebSocket hijacking defence.
 */
export function originAllowed(origin: string, allowed: readonly string[]): boolean {
  if (!origin) return true;
  return allowed.includes(origin.replace(/\/$/, ''));
}
