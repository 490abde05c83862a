import type { Router } from 'express';
import type { Settings } from '../config/settings';
import { lineLoginRouter } from '../line/login-routes';
import { mediaRouter } from '../media';
import { pagesRouter } from '../pages';
import { lineEmulatorUrlFromEnv, simulatorRouter } from '../pages/simulator';
import { dataConverterFromEnv } from '../temporal/codec';
import { codecRouter, codecServerSettingsFromEnv } from '../temporal/codec-server';

/**
 * The api's routers besides the JSON API and the webhooks: LINE Login (S109/S110), the pages,
 * the media (watermarked pictures, QR codes), the chat simulator and the codec endpoint.
 */
export function edgeRouters(settings: Settings, env: Record<string, string | undefined>, loginApiBaseUrl: string): Router[] {
  return [
    lineLoginRouter({
      channelId: settings.line.channelId,
      channelSecret: settings.line.loginChannelSecret,
      publicBaseUrl: settings.publicBaseUrl,
      authorizeBaseUrl: settings.line.loginBaseUrl,
      apiBaseUrl: loginApiBaseUrl,
      cookieSecret: settings.secrets.hashSecret,
    }),
    mediaRouter({ qrTextFor: (code) => `${settings.publicBaseUrl}/pages/track/${code}` }),
    simulatorRouter({ lineEmulatorUrl: lineEmulatorUrlFromEnv(env) }),
    pagesRouter({ temporalUiUrl: env.TEMPORAL_UI_URL, temporalNamespace: settings.temporalNamespace }),
    codecRouter({ codec: dataConverterFromEnv(env).payloadCodecs[0], ...codecServerSettingsFromEnv(env) }),
  ];
}
