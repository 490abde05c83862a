import { HTTPFetchError, LINE_REQUEST_ID_HTTP_HEADER_NAME, messagingApi } from '@line/bot-sdk';
import { LineRequestTimeout, parseLineErrorBody } from './errors';
import { fitMessages } from './fit';
import { batchRetryKey } from './retry-key';
import { DEFAULT_RETRY_POLICY, RetryPolicy, Sleep, realSleep, withRetries } from './retry-policy';

export const LINE_API_BASE_URL = 'https://api.line.me';
export const DEFAULT_LINE_TIMEOUT_MS = 10_000;
const ACCEPTED_REQUEST_ID_HEADER = 'x-line-accepted-request-id';

export interface LineAdapterOptions {
  channelAccessToken: string;
  /** https://api.line.me in production; the emulator's base URL in dev and tests. */
  apiBaseUrl?: string;
  retry?: Partial<RetryPolicy>;
  /** One request gives up after this (then it is retried); LINE_API_TIMEOUT_MS. */
  timeoutMs?: number;
  /** Injected in tests that must not wait for real backoff. */
  sleep?: Sleep;
}

export interface SentMessage {
  id: string;
  quoteToken?: string;
}

export interface PushResult {
  sentMessages: SentMessage[];
  /** x-line-request-id of each request (the originally accepted one when LINE answered 409). */
  requestIds: string[];
  /** Requests LINE had already accepted under the same retry key (answered 409). */
  alreadyAccepted: number;
}

export interface ReplyResult {
  sentMessages: SentMessage[];
  requestId: string;
  /** Messages that did not fit in one reply (a token is good for one request); push them. */
  overflow: messagingApi.Message[];
}

export interface LineAdapter {
  push(to: string, messages: messagingApi.Message[], retryKey: string): Promise<PushResult>;
  reply(replyToken: string, messages: messagingApi.Message[]): Promise<ReplyResult>;
  /** The profile, or null when the user is not a friend of the bot (or blocked it). */
  getProfile(userId: string): Promise<messagingApi.UserProfileResponse | null>;
  isFriend(userId: string): Promise<boolean>;
}

type Outcome<T> = { body: T; requestId: string; alreadyAccepted: boolean };

export function createLineAdapter(options: LineAdapterOptions): LineAdapter {
  const client = new messagingApi.MessagingApiClient({
    channelAccessToken: options.channelAccessToken,
    baseURL: options.apiBaseUrl ?? LINE_API_BASE_URL,
  });
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  const sleep = options.sleep ?? realSleep;
  const timeoutMs = options.timeoutMs ?? DEFAULT_LINE_TIMEOUT_MS;

  function send<T>(call: () => Promise<{ httpResponse: Response; body: T }>, recover?: (err: unknown) => Outcome<T> | undefined) {
    return withRetries<Outcome<T>>(
      policy,
      sleep,
      async () => {
        const { httpResponse, body } = await withTimeout(call(), timeoutMs);
        return { body, requestId: httpResponse.headers.get(LINE_REQUEST_ID_HTTP_HEADER_NAME) ?? '', alreadyAccepted: false };
      },
      recover,
    );
  }

  async function getProfile(userId: string) {
    const outcome = await send<messagingApi.UserProfileResponse | null>(
      () => client.getProfileWithHttpInfo(userId),
      // LINE's way of saying "not a friend, or blocked": an answer, not a failure.
      (err) => (err instanceof HTTPFetchError && err.status === 404 ? { body: null, requestId: '', alreadyAccepted: false } : undefined),
    );
    return outcome.body;
  }

  return {
    async push(to, messages, retryKey) {
      const result: PushResult = { sentMessages: [], requestIds: [], alreadyAccepted: 0 };
      // Batches go one after another so the chat shows them in order.
      for (const [index, batch] of fitMessages(messages).entries()) {
        const key = batchRetryKey(retryKey, index);
        const outcome = await send(() => client.pushMessageWithHttpInfo({ to, messages: batch }, key), acceptedEarlier);
        result.sentMessages.push(...outcome.body.sentMessages);
        result.requestIds.push(outcome.requestId);
        if (outcome.alreadyAccepted) result.alreadyAccepted++;
      }
      return result;
    },

    async reply(replyToken, messages) {
      const [first = [], ...rest] = fitMessages(messages);
      // Retrying is safe: a reply token is single-use, so LINE cannot deliver one reply twice.
      const outcome = await send(() => client.replyMessageWithHttpInfo({ replyToken, messages: first }));
      return { sentMessages: outcome.body.sentMessages, requestId: outcome.requestId, overflow: rest.flat() };
    },

    getProfile,

    async isFriend(userId) {
      return (await getProfile(userId)) !== null;
    },
  };
}

/**
 * @line/bot-sdk (11.x) calls the global fetch with no signal and has no timeout option, so the
 * answer is awaited against a timer instead. The abandoned request ends when undici's own
 * socket timeouts end it; a push retried meanwhile carries the same X-Line-Retry-Key, so LINE
 * delivers it once.
 */
export function withTimeout<T>(call: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new LineRequestTimeout(timeoutMs)), timeoutMs);
  });
  call.catch(() => undefined); // a late failure of the abandoned request is nobody's to handle
  return Promise.race([call, expired]).finally(() => clearTimeout(timer));
}

/**
 * LINE answers 409 + x-line-accepted-request-id when a retry key was already accepted: the
 * messages went out the first time, so it is a success, with the original sentMessages.
 */
function acceptedEarlier(err: unknown): Outcome<messagingApi.PushMessageResponse> | undefined {
  if (!(err instanceof HTTPFetchError) || err.status !== 409) return undefined;
  const acceptedId = err.headers.get(ACCEPTED_REQUEST_ID_HEADER);
  if (!acceptedId) return undefined;
  const body = parseLineErrorBody(err.body);
  return { body: { sentMessages: body.sentMessages ?? [] }, requestId: acceptedId, alreadyAccepted: true };
}
