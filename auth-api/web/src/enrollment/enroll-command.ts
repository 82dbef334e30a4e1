/** Single-quotes a value for a POSIX shell (keys are URL-safe, but an API URL could hold anything). */
export function shellQuote(value: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The line an operator pastes on the new host (CONTRACT §7). */
export function enrollCommand(apiUrl: string, key: string): string {
  return `wirefleet-agent enroll --api ${shellQuote(apiUrl)} --key ${shellQuote(key)}`;
}
