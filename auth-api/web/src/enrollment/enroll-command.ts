/** Single-quotes a value for a POSIX shell (keys are URL-safe, but an API URL could hold anything). */
export function shellQuote(value: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * The line an operator pastes on the new host (CONTRACT §7). The key goes in through the
 * environment, not `--key`: an argument is visible to every user of the host in `ps`.
 */
export function enrollCommand(apiUrl: string, key: string): string {
  return `WIREFLEET_ENROLLMENT_KEY=${shellQuote(key)} wirefleet-agent enroll --api ${shellQuote(apiUrl)}`;
}
