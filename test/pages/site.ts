import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { mediaRouter } from '../../src/media';
import { pagesRouter, type PagesRouterOptions } from '../../src/pages';
import type { Browser } from 'playwright-core';
import { startDealHarness, type DealHarness } from '../support/deal-harness';
import { launchBrowser } from './browser';

/**
 * The pages as production serves them (same origin as the API), for a harness whose api does
 * not mount them: our pages router and the media router here, everything else (the JSON API)
 * passed through to the harness's api untouched.
 */
export interface PagesSite {
  baseUrl: string;
  close(): Promise<void>;
}

export async function startPagesSite(apiBaseUrl: string, options: PagesRouterOptions = {}): Promise<PagesSite> {
  const app = express();
  app.use(pagesRouter(options));
  app.use(mediaRouter());
  const upstream = new URL(apiBaseUrl);
  app.use((req, res) => {
    const forward = http.request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.originalUrl,
        headers: { ...req.headers, host: upstream.host },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => (res.headersSent ? res.destroy() : res.status(502).end()));
    req.pipe(forward);
  });
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** What `pagesSuite` starts: a deal harness, our pages in front of it, and Chromium. */
export interface PagesSuite {
  h: DealHarness;
  site: PagesSite;
  browser: Browser;
}

/**
 * For one describe block of browser tests: starts a deal harness, our pages in front of its api
 * and Chromium before the tests (handing them to `use`), and closes all three after.
 */
export function pagesSuite(use: (started: PagesSuite) => void): void {
  let started: Partial<PagesSuite> = {};
  beforeAll(async () => {
    started.h = await startDealHarness();
    started.site = await startPagesSite(started.h.baseUrl);
    started.browser = await launchBrowser();
    use(started as PagesSuite);
  });
  afterAll(async () => {
    await started.browser?.close();
    await started.site?.close();
    await started.h?.close();
    started = {};
  });
}
