import { HTTPFetchError, messagingApi } from '@line/bot-sdk';
import { LineRequestTimeout } from './errors';

/**
 * What a user sent as content (a photo), fetched from LINE's data API by message id
 * (GET https://api-data.line.me/v2/bot/message/{messageId}/content) with the channel token,
 * through @line/bot-sdk's blob client. LINE keeps content for a limited time, so it is fetched
 * when the event is handled and kept by us (sealed) if it matters.
 */
export const CONTENT_MAX_BYTES = 10 * 1024 * 1024; // LINE's image messages are at most 10 MB

export interface MessageContent {
  contentType: string;
  bytes: Buffer;
}

export interface LineContentClient {
  /** The content, or null when LINE has none under that id (404: expired or never there). */
  get(messageId: string): Promise<MessageContent | null>;
}

export function createLineContentClient(options: {
  channelAccessToken: string;
  dataApiBaseUrl: string;
  timeoutMs: number;
}): LineContentClient {
  const client = new messagingApi.MessagingApiBlobClient({
    channelAccessToken: options.channelAccessToken,
    baseURL: options.dataApiBaseUrl,
  });
  return {
    async get(messageId) {
      let timer: NodeJS.Timeout | undefined;
      const expired = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new LineRequestTimeout(options.timeoutMs)), options.timeoutMs);
      });
      try {
        const call = client.getMessageContentWithHttpInfo(messageId);
        call.catch(() => undefined);
        const { httpResponse, body } = await Promise.race([call, expired]);
        const chunks: Buffer[] = [];
        let size = 0;
        for await (const chunk of body) {
          size += (chunk as Buffer).length;
          if (size > CONTENT_MAX_BYTES) throw new Error(`content ${messageId} is larger than ${CONTENT_MAX_BYTES} bytes`);
          chunks.push(chunk as Buffer);
        }
        return { contentType: httpResponse.headers.get('content-type') ?? 'application/octet-stream', bytes: Buffer.concat(chunks) };
      } catch (err) {
        if (err instanceof HTTPFetchError && err.status === 404) return null;
        throw err;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
