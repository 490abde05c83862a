/** Error body LINE sends with a non-2xx answer. */
export interface LineErrorBody {
  message: string;
  details?: Array<{ message?: string; property?: string }>;
  sentMessages?: Array<{ id: string; quoteToken?: string }>;
}

/** LINE refused the request for a reason a retry cannot change (400, 401, 403, 404, 413, 415...). */
export class LineRequestRefused extends Error {
  constructor(
    readonly status: number,
    readonly lineMessage: string,
    readonly details: Array<{ message?: string; property?: string }> = [],
    readonly requestId?: string,
  ) {
    super(`LINE refused the request (${status}): ${lineMessage}${formatDetails(details)}`);
    this.name = 'LineRequestRefused';
  }
}

/** LINE kept failing transiently (429, 5xx, network) until our attempts ran out; safe to retry later. */
export class LineUnavailable extends Error {
  constructor(
    readonly attempts: number,
    readonly lastStatus: number | undefined,
    readonly lastMessage: string,
  ) {
    super(`LINE unavailable after ${attempts} attempt(s): ${lastStatus ?? 'network'} ${lastMessage}`);
    this.name = 'LineUnavailable';
  }
}

/** LINE did not answer one request in time; the request may or may not have arrived, so it is retried (push under the same retry key). */
export class LineRequestTimeout extends Error {
  readonly retryable = true;
  constructor(readonly timeoutMs: number) {
    super(`LINE did not answer within ${timeoutMs} ms`);
    this.name = 'LineRequestTimeout';
  }
}

/** A message our code built cannot be made valid without changing what it does (e.g. postback data too long). */
export class LineMessageUnfittable extends Error {
  constructor(
    readonly property: string,
    reason: string,
  ) {
    super(`message cannot be fitted to LINE limits at ${property}: ${reason}`);
    this.name = 'LineMessageUnfittable';
  }
}

function formatDetails(details: Array<{ message?: string; property?: string }>): string {
  if (details.length === 0) return '';
  return ' [' + details.map((d) => `${d.property ?? '?'}: ${d.message ?? '?'}`).join('; ') + ']';
}

export function parseLineErrorBody(text: string): LineErrorBody {
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && typeof (parsed as LineErrorBody).message === 'string') {
      return parsed as LineErrorBody;
    }
  } catch {
    // Not JSON: a proxy or load balancer answered, not LINE.
  }
  return { message: text.slice(0, 200) || 'no body' };
}
