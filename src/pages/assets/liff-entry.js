// Our LIFF app's endpoint URL: LINE opens https://liff.line.me/<id>/pages/… here, with the page
// in ?liff.state. Inside LINE, liff.init (in client.js's start) takes LINE's credentials and
// moves on to that page itself, so the code below never runs; it runs when LIFF could not start
// (outside LINE, LINE unreachable) or the LIFF URL named no page, and goes there on its own.
import { pageHref, start } from './client.js';

/** Only one of our own pages: liff.state comes from the URL, anyone can write it. */
function pageFromState(state) {
  if (!state || !state.startsWith('/') || state.startsWith('//')) return undefined;
  try {
    const url = new URL(state, location.origin);
    if (url.origin !== location.origin || !url.pathname.startsWith('/pages/')) return undefined;
    return url.pathname + url.search;
  } catch {
    return undefined;
  }
}

start(async () => {
  const page = pageFromState(new URLSearchParams(location.search).get('liff.state'));
  location.replace(page ?? pageHref('/pages/deals'));
});
