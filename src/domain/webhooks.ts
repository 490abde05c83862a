/** Where each provider calls us back: one list for the routes that listen and the calls that tell the providers. */
export const WEBHOOK_PATHS = {
  payments: '/webhooks/payments',
  bankCenter: '/webhooks/bankcenter',
  payouts: '/webhooks/payouts',
} as const;

export function webhookUrl(publicBaseUrl: string, provider: keyof typeof WEBHOOK_PATHS): string {
  return `${publicBaseUrl.replace(/\/+$/, '')}${WEBHOOK_PATHS[provider]}`;
}
