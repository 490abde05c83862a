import type { Router } from 'express';
import type { Settings } from '../config/settings';
import { lineLoginRouter } from '../line/login-routes';
import type { Knex } from 'knex';
import { mediaRouter } from '../media';
import { photoSourceFor } from '../media/photos';
import { pagesRouter } from '../pages';
import { lineEmulatorUrlFrom, simulatorRouter } from '../pages/simulator';

/**
 * The api's routers besides the JSON API and the webhooks: LINE Login (S109/S110), the pages,
 * the media (watermarked pictures, QR codes), and - outside production only - the chat simulator, a development tool that drives the LINE emulator.
 */
export function edgeRouters(settings: Settings, knex?: Knex): Router[] {
  const simulator = settings.production ? [] : [simulatorRouter({ lineEmulatorUrl: lineEmulatorUrlFrom(settings.line.apiBaseUrl) })];
  return [
    lineLoginRouter({
      channelId: settings.line.channelId,
      channelSecret: settings.line.loginChannelSecret,
      publicBaseUrl: settings.publicBaseUrl,
      authorizeBaseUrl: settings.line.loginBaseUrl,
      apiBaseUrl: settings.line.loginApiBaseUrl,
      timeoutMs: settings.line.loginTimeoutMs,
      cookieSecret: settings.secrets.hashSecret,
    }),
    mediaRouter({
      qrTextFor: (code) => `${settings.publicBaseUrl}/pages/track/${code}`,
      addFriendUrl: settings.line.addFriendUrl,
      // Photos sellers sent in the chat; without a database (tests of the edge alone) a placeholder card.
      ...(knex ? { sourceImageFor: photoSourceFor(knex) } : {}),
    }),
    ...simulator,
    pagesRouter({ temporalUiUrl: settings.temporalUiUrl, temporalNamespace: settings.temporalNamespace, liffId: settings.line.liffId }),
  ];
}
