import type { messagingApi } from '@line/bot-sdk';
import { ACTION_LABEL_MAX_CHARS, FLEX_ALT_TEXT_MAX_CHARS } from '../limits';
import { truncateText } from '../text-fit';

/**
 * One bubble layout for every deal message: a coloured header with the title, an optional
 * hero picture, paragraphs, label/value facts, an optional progress bar and picture, then
 * buttons. Each message kind only describes a Card; this module alone knows Flex, so every
 * bubble looks alike and stays within LINE's limits in one place.
 */
export type Tone = 'info' | 'success' | 'warning' | 'danger';

export interface Fact {
  label: string;
  value: string;
  /** Codes and amounts people copy or compare: shown bold. */
  strong?: boolean;
}

export type StepState = 'done' | 'current' | 'todo';
export interface ProgressStep {
  label: string;
  state: StepState;
}

export interface CardImage {
  url: string;
  /** LINE's "W:H" form. */
  aspectRatio: string;
  /** In the body only: LINE's image size keyword (md by default). */
  size?: 'sm' | 'md';
  /** In the body only: a short line under the picture saying what it is for. */
  caption?: string;
}

export type CardButton =
  | { kind: 'uri'; label: string; uri: string }
  | { kind: 'postback'; label: string; data: string; displayText: string }
  | { kind: 'copy'; label: string; text: string };

export interface Card {
  tone: Tone;
  title: string;
  hero?: CardImage;
  paragraphs?: string[];
  progress?: ProgressStep[];
  facts?: Fact[];
  /** A picture inside the body (the QR code), below the facts; smaller when a hero shows something else. */
  image?: CardImage;
  buttons?: CardButton[];
}

const TONE_COLOR: Record<Tone, string> = {
  info: '#1F6FEB',
  success: '#06C755',
  warning: '#E8A317',
  danger: '#D93025',
};
const STEP_COLOR: Record<StepState, string> = { done: '#06C755', current: '#E8A317', todo: '#DDDDDD' };
const MUTED = '#888888';
/** Long product names stay readable and keep the bubble far from its 30 KB limit. */
const VALUE_MAX_CHARS = 120;
const CLIPBOARD_TEXT_MAX_CHARS = 1000;

export function cardMessage(card: Card): messagingApi.FlexMessage {
  return { type: 'flex', altText: altTextOf(card), contents: bubbleOf(card) };
}

/** What notifications and old clients show: the title and every fact, so codes are never lost. */
export function altTextOf(card: Card): string {
  const lines = [card.title, ...(card.paragraphs ?? []), ...(card.facts ?? []).map((f) => `${f.label}: ${f.value}`)];
  return truncateText(lines.join('\n'), FLEX_ALT_TEXT_MAX_CHARS);
}

function bubbleOf(card: Card): messagingApi.FlexBubble {
  const body: messagingApi.FlexComponent[] = [
    ...(card.paragraphs ?? []).map((p): messagingApi.FlexText => ({ type: 'text', text: p, wrap: true, size: 'sm' })),
    ...(card.progress ? [progressBar(card.progress)] : []),
    ...(card.facts?.length ? [factTable(card.facts)] : []),
    ...(card.image ? bodyImage(card.image) : []),
  ];
  const bubble: messagingApi.FlexBubble = {
    type: 'bubble',
    header: {
      type: 'box',
      layout: 'vertical',
      backgroundColor: TONE_COLOR[card.tone],
      paddingAll: '16px',
      contents: [{ type: 'text', text: card.title, color: '#FFFFFF', weight: 'bold', size: 'lg', wrap: true }],
    },
    body: { type: 'box', layout: 'vertical', spacing: 'md', contents: body },
  };
  if (card.hero) bubble.hero = imageOf(card.hero, 'full');
  if (card.buttons?.length) {
    bubble.footer = {
      type: 'box',
      layout: 'vertical',
      spacing: 'sm',
      contents: card.buttons.map((b, i) => buttonOf(b, i === 0)),
    };
  }
  return bubble;
}

function bodyImage(image: CardImage): messagingApi.FlexComponent[] {
  const picture = imageOf(image, image.size ?? 'md');
  if (!image.caption) return [picture];
  return [
    {
      type: 'box',
      layout: 'vertical',
      spacing: 'xs',
      contents: [picture, { type: 'text', text: image.caption, size: 'xxs', color: MUTED, align: 'center', wrap: true }],
    },
  ];
}

function imageOf(image: CardImage, size: string): messagingApi.FlexImage {
  return { type: 'image', url: image.url, size, aspectRatio: image.aspectRatio, aspectMode: size === 'full' ? 'cover' : 'fit' };
}

function factTable(facts: Fact[]): messagingApi.FlexBox {
  return {
    type: 'box',
    layout: 'vertical',
    spacing: 'sm',
    contents: facts.map((fact): messagingApi.FlexBox => ({
      type: 'box',
      layout: 'horizontal',
      spacing: 'md',
      contents: [
        { type: 'text', text: fact.label, size: 'sm', color: MUTED, flex: 2, wrap: true },
        {
          type: 'text',
          text: truncateText(fact.value, VALUE_MAX_CHARS),
          size: 'sm',
          flex: 4,
          wrap: true,
          align: 'end',
          weight: fact.strong ? 'bold' : 'regular',
        },
      ],
    })),
  };
}

/** Segments side by side, one per step, coloured by state, each labelled underneath. */
function progressBar(steps: ProgressStep[]): messagingApi.FlexBox {
  return {
    type: 'box',
    layout: 'horizontal',
    spacing: 'xs',
    contents: steps.map((step): messagingApi.FlexBox => ({
      type: 'box',
      layout: 'vertical',
      flex: 1,
      spacing: 'xs',
      contents: [
        { type: 'box', layout: 'vertical', height: '6px', cornerRadius: '3px', backgroundColor: STEP_COLOR[step.state], contents: [] },
        {
          type: 'text',
          text: step.label,
          size: 'xxs',
          align: 'center',
          wrap: true,
          color: step.state === 'todo' ? MUTED : '#333333',
          weight: step.state === 'current' ? 'bold' : 'regular',
        },
      ],
    })),
  };
}

function buttonOf(button: CardButton, primary: boolean): messagingApi.FlexButton {
  return { type: 'button', style: primary ? 'primary' : 'secondary', height: 'sm', action: actionOf(button) };
}

/** Also used outside bubbles (quick replies), so labels are fitted here. */
export function actionOf(button: CardButton): messagingApi.Action {
  const label = truncateText(button.label, ACTION_LABEL_MAX_CHARS);
  switch (button.kind) {
    case 'uri':
      return { type: 'uri', label, uri: button.uri };
    case 'postback':
      return { type: 'postback', label, data: button.data, displayText: button.displayText };
    case 'copy':
      return { type: 'clipboard', label, clipboardText: truncateText(button.text, CLIPBOARD_TEXT_MAX_CHARS) };
  }
}
