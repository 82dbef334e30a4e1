export const USAGE = `usage:
  wirefleet-agent enroll --api URL (--key-file PATH | env WIREFLEET_ENROLLMENT_KEY | --key KEY)
                         [--name N] [--endpoint HOST:PORT]
                         [--listen-port P] [--region R] [--gateway WS_URL] [--config PATH]
                         [--interface NAME] [--ca-file PATH] [--force]
  wirefleet-agent run [--config PATH] [--backend linux|dry-run|memory] [--interface NAME]
                      [--ca-file PATH]
  wirefleet-agent status [--config PATH]
  wirefleet-agent supervise -- run [run flags]   (restarts run; rolls back a bad self-update)
  wirefleet-agent update-check [--config PATH]   (systemd ExecStartPre: rolls back a bad self-update)

The config defaults to /etc/wirefleet/agent.json; its folder also holds the secrets and state.
--ca-file: PEM certificate authorities trusted for https/wss instead of the system's (a private
CA); given to enroll, it is kept in the config for run.`;

/** A wrong flag or missing value: exit code 2 with the usage text. */
export class UsageError extends Error {}

/** Enrollment refused or the API unreachable: exit code 1 with the message alone. */
export class EnrollError extends Error {}
