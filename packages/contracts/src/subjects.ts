/** @module NATS subject, stream, consumer and bucket names: the one place they are spelled. */

export const SERVICES = ["gateway", "registry", "coordinator", "aggregator", "reporter"] as const;
export type ServiceName = (typeof SERVICES)[number];

/** Request/reply subject of one RPC method, served by a queue group per service. */
export const rpcSubject = (service: ServiceName, method: string): string =>
  `chartly.rpc.${service}.${method}`;

/** Every process answers this with its health, so the gateway can discover them. */
export const HEALTH_SUBJECT = "chartly.health";

export const STREAMS = {
  jobs: { name: "JOBS", subjects: ["chartly.jobs.>"] },
  records: { name: "RECORDS", subjects: ["chartly.records.>"] },
  events: { name: "EVENTS", subjects: ["chartly.events.>"] },
  forecasts: { name: "FORECASTS", subjects: ["chartly.forecasts.>"] },
  /** JetStream's max-deliveries advisories for `JOBS`, kept so none is missed while no coordinator runs. */
  jobAdvisories: {
    name: "JOBS_ADVISORIES",
    subjects: ["$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.JOBS.>"],
  },
} as const;

export const jobSubject = (pool: string): string => `chartly.jobs.${pool}`;
export const recordsSubject = (tenant: string, profileId: string): string =>
  `chartly.records.${tenant}.${profileId}`;
/** Forecast jobs of a tenant: one per spec, series and slot. */
export const forecastJobSubject = (tenant: string): string => `chartly.forecasts.${tenant}`;
export const eventSubject = (kind: "run" | "drone" | "profile", id: string): string =>
  `chartly.events.${kind}.${id}`;

/** Requests a drone answers itself (`drain`, `resume`): the fleet's control of one drone. */
export const droneControlSubject = (droneId: string, action: "drain" | "resume"): string =>
  `chartly.drone.${droneId}.${action}`;

/** Announced by JetStream when a message of `stream` was delivered MaxDeliver times unacked. */
export const maxDeliveriesAdvisorySubject = (stream: string): string =>
  `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${stream}.>`;

/** Durable consumers: drones of a pool share one, aggregator replicas share theirs. */
export const CONSUMERS = {
  drones: (pool: string) => `drones-${pool}`,
  aggregatorRecords: "aggregator-records",
  aggregatorRuns: "aggregator-runs",
  /** Forecast jobs, shared by every aggregator replica. */
  aggregatorForecasts: "aggregator-forecasts",
  /** Coordinator replicas share the max-deliveries advisories. */
  coordinatorAdvisories: "coordinator-advisories",
} as const;

export const BUCKETS = {
  drones: "chartly_drones",
  /** The coordinators' leader lease: one key, compare-and-set, the bucket TTL is the lease. */
  leader: "chartly_leader",
  /** Drones an operator drained, by drone id: kept until resumed, so a restart stays drained. */
  drains: "chartly_drains",
  /** The gateway's rate-limit counters, shared by its replicas. */
  rateLimits: "chartly_ratelimits",
  /**
   * The latest delivery of each job leased through the gateway, by consumer and stream sequence:
   * an edge drone whose lease lapsed cannot renew, complete or hand back the newer delivery
   * (JetStream acts on whichever delivery's ack subject it is sent to).
   */
  deliveries: "chartly_deliveries",
} as const;

/** Message headers carried on every RPC request and every published message. */
export const HEADERS = {
  tenant: "chartly-tenant",
  principal: "chartly-principal",
  requestId: "chartly-request-id",
} as const;

export const DEFAULT_POOL = "default";
export const DEFAULT_TENANT = "default";
