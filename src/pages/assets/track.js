// The QR code on stage-one messages points here with the transaction code; the progress lives on
// the payment page, so find which of the user's orders carries that code and go there.
import { api, config, goToLogin, idToken, pageHref, showNotice, start, t } from './client.js';

start(async () => {
  if (!idToken()) goToLogin();
  const [, first, second] = config.transactionCode.split('-'); // TX-ABCD-EFGH = the payment code's first 8 characters
  const res = await api('GET', '/api/orders');
  const order = res.ok ? res.body.orders.find((o) => o.payment_code.startsWith(first + second)) : undefined;
  if (order) return location.replace(pageHref(`/pages/pay/${order.payment_code}`));
  showNotice(t('track.not_found', { code: config.transactionCode }));
});
