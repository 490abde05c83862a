import type { RunningLineEmulator } from '../../src/emulators/line';

/** What a person sees in the emulated LINE app: texts, card alt texts, and the buttons' actions. */
export interface SeenMessage {
  via: 'push' | 'reply';
  text: string;
  actions: { type: string; label?: string; data?: string; uri?: string }[];
}

export function seenBy(line: RunningLineEmulator, userId: string): SeenMessage[] {
  return line.state.messagesTo(userId).map((m) => {
    const message = m.message as { type: string; text?: string; altText?: string };
    return { via: m.via, text: message.type === 'text' ? (message.text ?? '') : (message.altText ?? ''), actions: actionsIn(m.message) };
  });
}

function actionsIn(node: unknown, found: SeenMessage['actions'] = []): SeenMessage['actions'] {
  if (Array.isArray(node)) for (const child of node) actionsIn(child, found);
  else if (node && typeof node === 'object') {
    const record = node as Record<string, unknown>;
    const action = record.action as SeenMessage['actions'][number] | undefined;
    if (action && typeof action === 'object' && typeof action.type === 'string') found.push(action);
    for (const [key, value] of Object.entries(record)) if (key !== 'action') actionsIn(value, found);
  }
  return found;
}

/** The data of the first postback button for `action` in what the user saw. */
export function postbackData(messages: SeenMessage[], action: string): string | undefined {
  for (const m of messages) for (const a of m.actions) if (a.type === 'postback' && a.data?.startsWith(`action=${action}&`)) return a.data;
  return undefined;
}
