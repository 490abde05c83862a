export { LINE_WEBHOOK_PATH, WEBHOOK_BODY_MAX_BYTES, lineWebhookRouter, type LineWebhookDeps } from './router';
export { INBOX_DEFAULTS, startInboxProcessor, type InboxProcessor, type InboxProcessorDeps } from './processor';
export { claimEvents, storeEvents, toInboxRow, type InboxEvent } from './inbox';
export { handleInboxEvent } from './dispatch';
export { parseCommand, PRODUCT_NAME_MAX_CHARS, type Command } from './commands';
export { CHAT_DISPUTE_REASON } from './postbacks';
export { applyFriendship } from './friendship';
export { REPLY_TOKEN_FRESH_MS } from './respond';
