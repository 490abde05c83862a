// My deals: every deal the user sold or bought (GET /api/orders), newest first, each a link to
// its page, where the deal's progress and the buyer's decision live.
import { $, api, formatDateTime, formatMoney, goToLogin, idToken, pageHref, show, start, t } from './client.js';

function dealItem(order) {
  const li = document.createElement('li');
  li.dataset.state = order.state;
  const a = document.createElement('a');
  a.href = pageHref(`/pages/pay/${encodeURIComponent(order.payment_code)}`);
  const title = document.createElement('p');
  title.className = 'deal-title';
  title.textContent = `${order.product_name} · ${formatMoney(Number(order.total_minor), order.currency)}`;
  const meta = document.createElement('p');
  meta.className = 'deal-meta';
  const code = `TX-${order.payment_code.slice(0, 4)}-${order.payment_code.slice(4, 8)}`;
  const who = order.counterpart ? ` · ${t('deals.with', { name: order.counterpart })}` : '';
  meta.textContent = `${t(`deals.role.${order.role}`)} · ${code}${who} · ${formatDateTime(Date.parse(order.updated_at))}`;
  const state = document.createElement('span');
  state.className = 'deal-state';
  state.textContent = t(`deals.state.${order.state}`);
  a.append(title, meta, state);
  li.append(a);
  return li;
}

start(async () => {
  if (!idToken()) goToLogin();
  $('#to-wallet').href = pageHref('/pages/wallet');
  const res = await api('GET', '/api/orders');
  show('#deals-loading', false);
  const orders = res.ok ? res.body.orders : [];
  $('#deal-list').replaceChildren(...orders.map(dealItem));
  show('#deals-empty', orders.length === 0);
});
