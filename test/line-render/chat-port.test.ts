import type { Outgoing } from '../../src/chat/messages';
import { EMULATOR_DEFAULTS, newUserId, RunningLineEmulator, startLineEmulator } from '../../src/emulators/line';
import { createLineAdapter } from '../../src/line';
import { LineChatPort } from '../../src/line/chat-port';
import type { Language } from '../../src/line/render';
import { allSamples, hugeProduct, product, samplesFor } from './samples';

describe('LineChatPort against the LINE emulator', () => {
  let emulator: RunningLineEmulator;
  let zhUser: string;
  let enUser: string;
  let stranger: string;
  let port: LineChatPort;
  const languages = new Map<string, Language>();

  beforeEach(async () => {
    emulator = await startLineEmulator();
    zhUser = newUserId();
    enUser = newUserId();
    stranger = newUserId();
    emulator.state.addUser({ userId: zhUser, displayName: '買方寶', language: 'zh-TW' });
    emulator.state.addUser({ userId: enUser, displayName: 'Buyer Bao', language: 'en' });
    emulator.state.addUser({ userId: stranger, displayName: 'Stranger', friend: false });
    languages.set(zhUser, 'zh-TW').set(enUser, 'en');
    const adapter = createLineAdapter({
      channelAccessToken: EMULATOR_DEFAULTS.channelAccessToken,
      apiBaseUrl: emulator.baseUrl,
      retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 10 },
    });
    port = new LineChatPort(adapter, async (userId) => languages.get(userId) ?? 'zh-TW');
  });
  afterEach(() => emulator.close());

  it.each([
    ['typical', product],
    ['200-char name and huge amounts', hugeProduct],
  ])('delivers every kind in both languages (%s), all accepted by the emulator', async (_name, p) => {
    const messages = allSamples(p);
    for (const to of [zhUser, enUser]) {
      for (const message of messages) {
        await port.send({ to, message, retryKey: `order:${p.transactionCode}:${message.kind}:${to}` });
      }
    }
    for (const to of [zhUser, enUser]) {
      const delivered = emulator.state.messagesTo(to);
      expect(delivered).toHaveLength(messages.length);
      expect(delivered.every((d) => d.via === 'push')).toBe(true);
    }
    // The recipient's language decides: the same kind reads differently for the two users.
    const zhAlt = emulator.state.messagesTo(zhUser)[0]!.message.altText;
    const enAlt = emulator.state.messagesTo(enUser)[0]!.message.altText;
    expect(zhAlt).toContain('付款連結已建立');
    expect(enAlt).toContain('Payment link created');
  });

  it('delivers the same outgoing once, however often it is sent', async () => {
    const outgoing: Outgoing = { to: zhUser, message: samplesFor(product).stage_one, retryKey: 'order:abc:S203:buyer' };
    await port.send(outgoing);
    await port.send(outgoing);
    await port.send({ ...outgoing });
    expect(emulator.state.messagesTo(zhUser)).toHaveLength(1);
  });

  it('delivers different retry keys separately', async () => {
    const message = samplesFor(product).payment_reminder;
    await port.send({ to: zhUser, message, retryKey: 'order:abc:S116:1' });
    await port.send({ to: zhUser, message, retryKey: 'order:abc:S116:2' });
    expect(emulator.state.messagesTo(zhUser)).toHaveLength(2);
  });

  it('answers isBoundUser from LINE friendship', async () => {
    await expect(port.isBoundUser(zhUser)).resolves.toBe(true);
    await expect(port.isBoundUser(stranger)).resolves.toBe(false);
  });
});
