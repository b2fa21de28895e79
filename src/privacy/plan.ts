import type { Sensitivity } from './sensitivity.ts';

/** Where an endpoint runs: on our own GPUs (data stays on the premises) or at a provider. */
export interface EndpointPlacement {
  onPrem: boolean;
}

export interface PrivacySettings {
  /** Redact PII from everything sent to an endpoint that is not on-prem. */
  redactExternal: boolean;
  /** Where sensitive queries may go. Only on-prem today. */
  sensitiveRoute: 'on_prem_only';
  /** The on-prem endpoint that answers sensitive queries; default: the first on-prem routing tier. */
  sensitiveEndpoint: string | undefined;
  /** The on-prem endpoint that judges sensitive queries; default: the judge, if it is on-prem. */
  sensitiveJudge: string | undefined;
}

export interface PlanInput {
  sensitivity: Sensitivity;
  /** The candidate endpoint the routing policy chose. */
  routed: string;
  /** The baseline endpoint to call; undefined when the baseline answer comes from the log. */
  baseline: string | undefined;
  fallback: string | undefined;
  judge: string;
  /** Routing tiers' endpoints, cheapest first: where a sensitive query goes when no endpoint is configured for it. */
  tierEndpoints: readonly string[];
  endpoints: Readonly<Record<string, EndpointPlacement>>;
}

/** A call that policy forbids: stored with status 'withheld' and this reason, never sent. */
export interface Withheld {
  withheld: true;
  reason: string;
}

export interface Send {
  withheld: false;
  endpoint: string;
  /** The text sent there is redacted (an external endpoint with redact_external on). */
  redact: boolean;
}

export interface PrivacyPlan {
  sensitive: boolean;
  reasons: string[];
  /** The routing policy's choice, before privacy. */
  routed: string;
  candidate: Send | Withheld;
  /** Why the candidate is not the routed endpoint, when it is not. */
  rerouteReason: string | undefined;
  /** undefined: the baseline comes from the log, nothing to send. */
  baseline: Send | Withheld | undefined;
  /** The fallback serves a failed on-prem call only when this is a Send. */
  fallback: Send | Withheld | undefined;
  judge: Send | Withheld;
}

/**
 * What may be sent where, for one query. Sensitive queries go only to on-prem endpoints: the
 * candidate moves to the on-prem endpoint, and the baseline, the fallback and an external judge
 * are withheld (the gate counts them apart; nothing pretends they failed). Everything else goes
 * where routing sent it, redacted when the endpoint is external.
 */
export function planPrivacy(input: PlanInput, settings: PrivacySettings): PrivacyPlan {
  const onPrem = (name: string): boolean => input.endpoints[name]?.onPrem === true;
  const send = (endpoint: string): Send => ({ withheld: false, endpoint, redact: settings.redactExternal && !onPrem(endpoint) });
  const { sensitive, reasons } = input.sensitivity;
  if (!sensitive) {
    return {
      sensitive,
      reasons,
      routed: input.routed,
      candidate: send(input.routed),
      rerouteReason: undefined,
      baseline: input.baseline === undefined ? undefined : send(input.baseline),
      fallback: input.fallback === undefined ? undefined : send(input.fallback),
      judge: send(input.judge),
    };
  }
  const because = `sensitive query (${reasons.join('; ')})`;
  const withheld = (what: string): Withheld => ({ withheld: true, reason: `withheld: ${because}; ${what}` });
  const target = onPrem(input.routed) ? input.routed : sensitiveEndpointFor(input.tierEndpoints, input.endpoints, settings.sensitiveEndpoint);
  const judge = settings.sensitiveJudge ?? input.judge;
  return {
    sensitive,
    reasons,
    routed: input.routed,
    candidate: target === undefined ? withheld('no on-prem endpoint is configured') : send(target),
    rerouteReason:
      target === undefined || target === input.routed ? undefined : `${because}: ${input.routed} is external, sent to on-prem ${target}`,
    baseline: input.baseline === undefined ? undefined : onPrem(input.baseline) ? send(input.baseline) : withheld(`${input.baseline} is external`),
    fallback: input.fallback === undefined ? undefined : onPrem(input.fallback) ? send(input.fallback) : withheld(`${input.fallback} is external`),
    judge: onPrem(judge) ? send(judge) : withheld(`judge ${judge} is external`),
  };
}

/**
 * The on-prem endpoint that answers a sensitive query routed to an external one: the configured
 * one, else the first on-prem routing tier (cheapest first), else the first on-prem endpoint.
 * The replay must have a client for it (endpointsInUse adds it).
 */
export function sensitiveEndpointFor(
  tierEndpoints: readonly string[],
  endpoints: Readonly<Record<string, EndpointPlacement>>,
  configured: string | undefined,
): string | undefined {
  const onPrem = (name: string): boolean => endpoints[name]?.onPrem === true;
  if (configured !== undefined) return onPrem(configured) ? configured : undefined;
  return tierEndpoints.find(onPrem) ?? Object.keys(endpoints).find(onPrem);
}
