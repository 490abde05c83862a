import { startLineDealHarness, type LineDealHarness } from '../line-webhook/harness';

/**
 * Everything a person meets, in one process, for the journeys of issue 10: the LINE harness
 * (the LINE emulator delivering what the chat simulator types as signed webhooks into the durable
 * inbox; our pages, the media and the simulator on the api's origin, as `npm start` serves them;
 * the payment provider, bank verification center and payout provider emulators; a real worker on
 * the real Temporal server and PostgreSQL), with the platform fee as configured by default and
 * no rate limits: a journey is one person's taps, not a flood.
 */
const NO_RATE_LIMITS = Object.fromEntries(
  ['LOGIN', 'OTP', 'OTP_RESEND', 'PHONE', 'LINKS', 'STAFF'].map((name) => [`RATE_LIMIT_${name}_MAX`, '1000000']),
);

/** `settingsEnv` overrides the journeys' defaults (durations are settings: a journey about a timer passes a short one). */
export function startJourneyHarness(settingsEnv: Record<string, string> = {}): Promise<LineDealHarness> {
  return startLineDealHarness({ settings: { ...NO_RATE_LIMITS, PLATFORM_FEES: undefined, ...settingsEnv } });
}
