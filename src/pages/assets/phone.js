// Phone binding (S404–S405): one number per buyer within the binding period; the API keeps it
// encrypted and answers with the masked number.
import { $, bindForm, goToLogin, idToken, pageHref, showNotice, start, t } from './client.js';

const order = new URLSearchParams(location.search).get('order');

start(async () => {
  if (!idToken()) goToLogin();
  bindForm($('#phone-form'), async (values, send) => {
    const bound = await send('POST', '/api/phone-binding', { phone: values.phone });
    showNotice(t('phone.bound', { phone: bound.phone }), order ? { href: pageHref(`/pages/pay/${encodeURIComponent(order)}`), label: t('back.to_payment') } : undefined);
  });
});
