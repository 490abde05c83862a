import {
  ACTION_LABEL_MAX_CHARS,
  FLEX_ALT_TEXT_MAX_CHARS,
  FLEX_BUBBLE_MAX_BYTES,
  FLEX_CAROUSEL_MAX_BUBBLES,
  FLEX_CAROUSEL_MAX_BYTES,
  MESSAGES_PER_REQUEST_MAX,
  MESSAGES_PER_REQUEST_MIN,
  POSTBACK_DATA_MAX_CHARS,
  QUICK_REPLY_MAX_ITEMS,
  RICH_MENU_AREAS_MAX,
  RICH_MENU_ASPECT_RATIO_MIN,
  RICH_MENU_CHAT_BAR_TEXT_MAX_CHARS,
  RICH_MENU_HEIGHT_MIN,
  RICH_MENU_NAME_MAX_CHARS,
  RICH_MENU_WIDTH_MAX,
  RICH_MENU_WIDTH_MIN,
  TEMPLATE_ALT_TEXT_MAX_CHARS,
  TEXT_MAX_CHARS,
  URI_ACTION_MAX_CHARS,
  URI_ACTION_SCHEMES,
  URL_MAX_CHARS,
  jsonBytes,
} from './contract';

/**
 * The Messaging API's request checks, reported the way LINE reports them: one detail per broken
 * property, with a JSON-ish path such as messages[0].contents.body.contents[2].action.label.
 */
export interface ErrorDetail {
  message: string;
  property: string;
}

export interface ValidationOptions {
  /** LINE only fetches https images; local dev serves them over http on loopback. */
  allowLoopbackHttpMedia: boolean;
}

type Json = Record<string, unknown>;

const MESSAGE_TYPES = ['text', 'image', 'video', 'audio', 'location', 'sticker', 'flex', 'template'] as const;
const ACTION_TYPES = ['postback', 'message', 'uri', 'datetimepicker', 'camera', 'cameraRoll', 'location', 'richmenuswitch', 'clipboard'];
const FLEX_COMPONENT_TYPES = ['box', 'button', 'image', 'video', 'icon', 'text', 'span', 'separator', 'filler'];
const BOX_LAYOUTS = ['horizontal', 'vertical', 'baseline'];
const MESSAGE_ACTION_TEXT_MAX_CHARS = 300;
const TEMPLATE_TEXT_MAX_CHARS = 160;
const TEMPLATE_COLUMNS_MAX = 10;
const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '[::1]'];

class Checker {
  readonly details: ErrorDetail[] = [];
  constructor(readonly options: ValidationOptions) {}

  fail(property: string, message: string): void {
    this.details.push({ property, message });
  }

  string(obj: Json, key: string, path: string, maxChars: number, required = true): string | undefined {
    const value = obj[key];
    if (value === undefined || value === null || value === '') {
      if (required) this.fail(`${path}.${key}`, 'May not be empty');
      return undefined;
    }
    if (typeof value !== 'string') {
      this.fail(`${path}.${key}`, 'Must be a string');
      return undefined;
    }
    if (value.length > maxChars) this.fail(`${path}.${key}`, `Length must be between 0 and ${maxChars}`);
    return value;
  }

  oneOf(obj: Json, key: string, path: string, allowed: readonly string[]): string | undefined {
    const value = obj[key];
    if (typeof value !== 'string' || !allowed.includes(value)) {
      this.fail(`${path}.${key}`, `Must be one of the following values: [${allowed.join(', ')}]`);
      return undefined;
    }
    return value;
  }

  array(obj: Json, key: string, path: string, min: number, max: number): unknown[] | undefined {
    const value = obj[key];
    if (!Array.isArray(value)) {
      this.fail(`${path}.${key}`, 'May not be empty');
      return undefined;
    }
    if (value.length < min || value.length > max) this.fail(`${path}.${key}`, `Size must be between ${min} and ${max}`);
    return value;
  }

  object(value: unknown, path: string): Json | undefined {
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Json;
    this.fail(path, 'Must be an object');
    return undefined;
  }

  /** Media LINE's servers fetch: https only, except loopback http when the emulator allows it. */
  mediaUrl(obj: Json, key: string, path: string, required = true): void {
    const value = this.string(obj, key, path, URL_MAX_CHARS, required);
    if (value === undefined) return;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      this.fail(`${path}.${key}`, 'invalid uri');
      return;
    }
    const loopbackHttp = url.protocol === 'http:' && LOOPBACK_HOSTS.includes(url.hostname) && this.options.allowLoopbackHttpMedia;
    if (url.protocol !== 'https:' && !loopbackHttp) this.fail(`${path}.${key}`, 'invalid uri scheme: must be https');
  }
}

export function validateMessages(body: Json, options: ValidationOptions): ErrorDetail[] {
  const check = new Checker(options);
  const messages = check.array(body, 'messages', '', MESSAGES_PER_REQUEST_MIN, MESSAGES_PER_REQUEST_MAX);
  messages?.forEach((message, i) => validateMessage(check, message, `messages[${i}]`));
  // Paths were built as ".messages[0]..."; LINE's start at the property name.
  return check.details.map((d) => ({ ...d, property: d.property.replace(/^\./, '') }));
}

function validateMessage(check: Checker, value: unknown, path: string): void {
  const message = check.object(value, path);
  if (!message) return;
  const type = check.oneOf(message, 'type', path, MESSAGE_TYPES);
  switch (type) {
    case 'text':
      check.string(message, 'text', path, TEXT_MAX_CHARS);
      break;
    case 'image':
    case 'video':
      check.mediaUrl(message, 'originalContentUrl', path);
      check.mediaUrl(message, 'previewImageUrl', path);
      break;
    case 'audio':
      check.mediaUrl(message, 'originalContentUrl', path);
      if (typeof message.duration !== 'number') check.fail(`${path}.duration`, 'May not be empty');
      break;
    case 'location':
      check.string(message, 'title', path, 100);
      check.string(message, 'address', path, 100);
      if (typeof message.latitude !== 'number') check.fail(`${path}.latitude`, 'May not be empty');
      if (typeof message.longitude !== 'number') check.fail(`${path}.longitude`, 'May not be empty');
      break;
    case 'sticker':
      check.string(message, 'packageId', path, 100);
      check.string(message, 'stickerId', path, 100);
      break;
    case 'flex':
      check.string(message, 'altText', path, FLEX_ALT_TEXT_MAX_CHARS);
      validateFlexContainer(check, message.contents, `${path}.contents`);
      break;
    case 'template':
      check.string(message, 'altText', path, TEMPLATE_ALT_TEXT_MAX_CHARS);
      validateTemplate(check, message.template, `${path}.template`);
      break;
  }
  if (message.quickReply !== undefined) validateQuickReply(check, message.quickReply, `${path}.quickReply`);
}

function validateQuickReply(check: Checker, value: unknown, path: string): void {
  const quickReply = check.object(value, path);
  const items = quickReply && check.array(quickReply, 'items', path, 1, QUICK_REPLY_MAX_ITEMS);
  items?.forEach((item, i) => {
    const itemPath = `${path}.items[${i}]`;
    const obj = check.object(item, itemPath);
    if (!obj) return;
    if (obj.imageUrl !== undefined) check.mediaUrl(obj, 'imageUrl', itemPath);
    validateAction(check, obj.action, `${itemPath}.action`, true);
  });
}

function validateFlexContainer(check: Checker, value: unknown, path: string): void {
  const container = check.object(value, path);
  if (!container) return;
  const type = check.oneOf(container, 'type', path, ['bubble', 'carousel']);
  if (type === 'bubble') return validateBubble(check, container, path);
  if (type !== 'carousel') return;
  const bubbles = check.array(container, 'contents', path, 1, FLEX_CAROUSEL_MAX_BUBBLES);
  if (jsonBytes(container) > FLEX_CAROUSEL_MAX_BYTES) check.fail(path, `Size must be ${FLEX_CAROUSEL_MAX_BYTES} bytes or less`);
  bubbles?.forEach((bubble, i) => {
    const bubblePath = `${path}.contents[${i}]`;
    const obj = check.object(bubble, bubblePath);
    if (obj && check.oneOf(obj, 'type', bubblePath, ['bubble'])) validateBubble(check, obj, bubblePath);
  });
}

function validateBubble(check: Checker, bubble: Json, path: string): void {
  if (jsonBytes(bubble) > FLEX_BUBBLE_MAX_BYTES) check.fail(path, `Size must be ${FLEX_BUBBLE_MAX_BYTES} bytes or less`);
  for (const block of ['header', 'body', 'footer'] as const) {
    if (bubble[block] !== undefined) validateComponent(check, bubble[block], `${path}.${block}`, ['box']);
  }
  if (bubble.hero !== undefined) validateComponent(check, bubble.hero, `${path}.hero`, ['box', 'image', 'video']);
  if (bubble.action !== undefined) validateAction(check, bubble.action, `${path}.action`, false);
}

function validateComponent(check: Checker, value: unknown, path: string, allowed: readonly string[] = FLEX_COMPONENT_TYPES): void {
  const component = check.object(value, path);
  if (!component) return;
  const type = check.oneOf(component, 'type', path, allowed);
  switch (type) {
    case 'box': {
      check.oneOf(component, 'layout', path, BOX_LAYOUTS);
      const children = check.array(component, 'contents', path, 0, Number.MAX_SAFE_INTEGER);
      children?.forEach((child, i) => validateComponent(check, child, `${path}.contents[${i}]`));
      break;
    }
    case 'text':
      // A text component may carry spans instead of text.
      if (!Array.isArray(component.contents)) check.string(component, 'text', path, Number.MAX_SAFE_INTEGER);
      break;
    case 'image':
    case 'icon':
      check.mediaUrl(component, 'url', path);
      break;
    case 'button':
      validateAction(check, component.action, `${path}.action`, true);
      return;
  }
  if (component.action !== undefined) validateAction(check, component.action, `${path}.action`, false);
}

function validateTemplate(check: Checker, value: unknown, path: string): void {
  const template = check.object(value, path);
  if (!template) return;
  const type = check.oneOf(template, 'type', path, ['buttons', 'confirm', 'carousel', 'image_carousel']);
  const actions = (obj: Json, objPath: string, min: number, max: number) =>
    check.array(obj, 'actions', objPath, min, max)?.forEach((a, i) => validateAction(check, a, `${objPath}.actions[${i}]`, true));
  switch (type) {
    case 'buttons':
      check.string(template, 'text', path, TEMPLATE_TEXT_MAX_CHARS);
      if (template.thumbnailImageUrl !== undefined) check.mediaUrl(template, 'thumbnailImageUrl', path);
      actions(template, path, 1, 4);
      break;
    case 'confirm':
      check.string(template, 'text', path, 240);
      actions(template, path, 2, 2);
      break;
    case 'carousel':
    case 'image_carousel':
      check.array(template, 'columns', path, 1, TEMPLATE_COLUMNS_MAX)?.forEach((c, i) => {
        const columnPath = `${path}.columns[${i}]`;
        const column = check.object(c, columnPath);
        if (!column) return;
        if (type === 'image_carousel') {
          check.mediaUrl(column, 'imageUrl', columnPath);
          validateAction(check, column.action, `${columnPath}.action`, false);
        } else {
          check.string(column, 'text', columnPath, 120);
          actions(column, columnPath, 1, 3);
        }
      });
      break;
  }
}

/** [openapi] RichMenuRequest, with the limits of [ref] #rich-menu-object (contract.ts). */
export function validateRichMenu(body: Json, options: ValidationOptions): ErrorDetail[] {
  const check = new Checker(options);
  const size = check.object(body.size, 'size');
  const width = size?.width;
  const height = size?.height;
  if (size) {
    if (!Number.isInteger(width) || (width as number) < RICH_MENU_WIDTH_MIN || (width as number) > RICH_MENU_WIDTH_MAX)
      check.fail('size.width', `Must be between ${RICH_MENU_WIDTH_MIN} and ${RICH_MENU_WIDTH_MAX}`);
    if (!Number.isInteger(height) || (height as number) < RICH_MENU_HEIGHT_MIN)
      check.fail('size.height', `Must be at least ${RICH_MENU_HEIGHT_MIN}`);
    else if (Number.isInteger(width) && (width as number) / (height as number) < RICH_MENU_ASPECT_RATIO_MIN)
      check.fail('size', `width/height must be at least ${RICH_MENU_ASPECT_RATIO_MIN}`);
  }
  if (typeof body.selected !== 'boolean') check.fail('selected', 'Must be a boolean');
  check.string(body, 'name', '', RICH_MENU_NAME_MAX_CHARS);
  check.string(body, 'chatBarText', '', RICH_MENU_CHAT_BAR_TEXT_MAX_CHARS);
  const areas = check.array(body, 'areas', '', 0, RICH_MENU_AREAS_MAX);
  areas?.forEach((value, i) => {
    const path = `areas[${i}]`;
    const area = check.object(value, path);
    const bounds = area && check.object(area.bounds, `${path}.bounds`);
    if (bounds) {
      for (const key of ['x', 'y', 'width', 'height']) {
        const n = bounds[key];
        if (!Number.isInteger(n) || (n as number) < (key === 'x' || key === 'y' ? 0 : 1))
          check.fail(`${path}.bounds.${key}`, 'Invalid value');
      }
      if (Number.isInteger(width) && (bounds.x as number) + (bounds.width as number) > (width as number))
        check.fail(`${path}.bounds`, 'The area is outside the rich menu');
      if (Number.isInteger(height) && (bounds.y as number) + (bounds.height as number) > (height as number))
        check.fail(`${path}.bounds`, 'The area is outside the rich menu');
    }
    if (area) validateAction(check, area.action, `${path}.action`, false);
  });
  return check.details.map((d) => ({ ...d, property: d.property.replace(/^\./, '') }));
}

function validateAction(check: Checker, value: unknown, path: string, labelRequired: boolean): void {
  const action = check.object(value, path);
  if (!action) return;
  const type = check.oneOf(action, 'type', path, ACTION_TYPES);
  check.string(action, 'label', path, ACTION_LABEL_MAX_CHARS, labelRequired);
  switch (type) {
    case 'postback':
      check.string(action, 'data', path, POSTBACK_DATA_MAX_CHARS);
      check.string(action, 'displayText', path, POSTBACK_DATA_MAX_CHARS, false);
      break;
    case 'message':
      check.string(action, 'text', path, MESSAGE_ACTION_TEXT_MAX_CHARS);
      break;
    case 'uri': {
      const uri = check.string(action, 'uri', path, URI_ACTION_MAX_CHARS);
      const scheme = uri && /^[a-z][a-z0-9+.-]*:/i.exec(uri)?.[0].toLowerCase();
      if (uri !== undefined && !(scheme && (URI_ACTION_SCHEMES as readonly string[]).includes(scheme))) {
        check.fail(`${path}.uri`, 'invalid uri scheme');
      }
      break;
    }
    case 'datetimepicker':
      check.string(action, 'data', path, POSTBACK_DATA_MAX_CHARS);
      check.oneOf(action, 'mode', path, ['date', 'time', 'datetime']);
      break;
  }
}
