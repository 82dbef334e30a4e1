/**
 * The fault suite's numbers in one place. Test-time settings keep a run short: the product's
 * defaults (15 s status, 60 s reconnect cap, 30 s lease, 300 s command TTL) would make every
 * recovery wait for them.
 */
export const FAULT_SETTINGS = {
  agents: 20,
  /** Long enough that no command issued in a phase expires before the phase is checked. */
  commandTtlSeconds: 120,
  /**
   * INGEST_CLAIM_IDLE_SECONDS: how soon an auth-api instance takes over node reports a killed
   * one had read but not acknowledged (30 s in production, longer than a phase waits).
   */
  ingestClaimIdleSeconds: 2,
  /** GATEWAY_NODE_LEASE_SECONDS at its minimum, so every outage outlasts the leases. */
  nodeLeaseSeconds: 1,
  /** WIREFLEET_STATUS_INTERVAL_SECONDS and WIREFLEET_RECONNECT_MAX_SECONDS of the agents. */
  agentStatusIntervalSeconds: 2,
  agentReconnectMaxSeconds: 2,
  /** The promise under test: every agent at its node's desired revision this soon after a fault. */
  convergenceMs: 20_000,
  /** How long commands of a phase get to reach succeeded/failed after the fault ended. */
  commandSettleMs: 20_000,
  /** The long Redis outage of the issue. */
  redisOutageMs: 30_000,
  /** How long a dependency outage may take to show as 503 on /readyz. */
  readinessReactionMs: 10_000,
  /** Normal traffic before each fault, and between its writes. */
  warmupMs: 2_000,
  trafficIntervalMs: 200,
  /** Commands are one in this many traffic steps. */
  commandEvery: 2,
  /** Clients and the node rooms each watches (indices into the agent list), besides `fleet`. */
  clientRooms: [
    [0, 1, 2, 3, 4],
    [5, 6, 7, 8, 9],
    [0, 5, 10, 11, 12],
  ],
  /** Agents the agent faults pick: both are in some client's rooms. */
  killedAgent: 2,
  offlineAgent: 7,
};
