import { messagingApi } from '@line/bot-sdk';
import { withTimeout } from './adapter';

/**
 * What a user sent as a picture: LINE's getMessageContent (GET /v2/bot/message/{messageId}/content
 * on api-data.line.me), through the SDK's blob client. LINE keeps content only for a while, so
 * whoever needs it copies it at once.
 */
export interface MessageContent {
  contentType: string;
  bytes: Buffer;
}

/** Pictures we keep: LINE's own image messages are JPEG and far below this. */
export const CONTENT_MAX_BYTES = 10 * 1024 * 1024;

export function lineContentFetcher(config: { channelAccessToken: string; dataApiBaseUrl: string; timeoutMs: number }) {
  const client = new messagingApi.MessagingApiBlobClient({ channelAccessToken: config.channelAccessToken, baseURL: config.dataApiBaseUrl });
  return async (messageId: string): Promise<MessageContent> => {
    const answer = await withTimeout(client.getMessageContentWithHttpInfo(messageId), config.timeoutMs);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of answer.body) {
      size += (chunk as Buffer).length;
      if (size > CONTENT_MAX_BYTES) throw new Error(`message ${messageId}: content above ${CONTENT_MAX_BYTES} bytes`);
      chunks.push(chunk as Buffer);
    }
    return { contentType: answer.httpResponse.headers.get('content-type') ?? 'application/octet-stream', bytes: Buffer.concat(chunks) };
  };
}
