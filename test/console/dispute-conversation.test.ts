import { STRINGS } from '../../src/line/render';
import { DISPUTE_STRINGS } from '../../src/line/render/dispute-strings';
import { decryptField, fieldKeyRingFromEnv } from '../../src/crypto';
import { eventually, orderRow } from '../support/deal-steps';
import { seenBy } from '../line-webhook/chat-view';
import { dealInEscrow } from '../line-webhook/escrow-deal';
import { startLineDealHarness, type LineDealHarness } from '../line-webhook/harness';
import { solidPng } from './png';

const zh = STRINGS['zh-TW'];
const words = DISPUTE_STRINGS['zh-TW'];

/** Issue 11 / issue 10 "buyer decides": a dispute asks the buyer for a reason and photos in the chat; both read the outcome and the agent's note. */
describe('a dispute with the parties, in LINE', () => {
  let h: LineDealHarness;
  beforeAll(async () => {
    h = await startLineDealHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('asks the buyer for a reason and photos, attaches what they send, and tells both parties the note', async () => {
    const { buyer, seller, link, buttons } = await dealInEscrow(h, { name: 'Film camera', unitPriceMinor: 9000 });
    await h.tap(buyer.userId, buttons.dispute);
    await eventually(async () => (await orderRow(h, link.paymentCode)).state === 'disputed');

    // The buyer is asked, with the reasons as quick replies (LINE message actions: tapping sends the text).
    await eventually(async () => seenBy(h.line, buyer.userId).some((m) => m.text.includes(zh.title.evidence_request)));
    const asked = h.line.state.messagesTo(buyer.userId).find((m) => JSON.stringify(m.message).includes(zh.title.evidence_request))!;
    const quick = (asked.message as { quickReply?: { items: { action: { type: string; text: string } }[] } }).quickReply!.items;
    expect(quick.map((i) => i.action.text)).toEqual(words.reasons);
    expect(seenBy(h.line, seller.userId).some((m) => m.text.includes(zh.title.evidence_request))).toBe(false);

    await h.say(buyer.userId, words.reasons[2]);
    await eventually(async () => seenBy(h.line, buyer.userId).some((m) => m.text === words.reasonKept(words.reasons[2])));

    // A photo: the emulator keeps its bytes as content; we fetch them from the data API and keep them sealed.
    const photo = solidPng(64, 48, [200, 40, 40]);
    const sent = await fetch(`${h.line.baseUrl}/__emulator/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'image', userId: buyer.userId, contentType: 'image/png', contentBase64: photo.toString('base64') }),
    });
    expect(sent.status).toBe(200);
    await eventually(async () => seenBy(h.line, buyer.userId).some((m) => m.text === words.photoKept));

    const rows = await h.knex('dispute_evidence').where({ payment_code: link.paymentCode }).orderBy('id');
    expect(rows.map((r) => [r.role, r.kind])).toEqual([
      ['buyer', 'text'],
      ['buyer', 'image'],
    ]);
    const ring = fieldKeyRingFromEnv(process.env);
    expect(decryptField(ring, rows[0].text_ciphertext)).toBe(words.reasons[2]);
    expect(rows[1].content_ciphertext).not.toContain(photo.toString('base64').slice(0, 40)); // sealed, not in clear
    expect(Buffer.from(decryptField(ring, rows[1].content_ciphertext), 'base64').equals(photo)).toBe(true);
    expect(rows[1].content_type).toBe('image/png');
    const audit = await h.knex('audit_log').where({ subject: `order:${link.paymentCode}`, action: 'dispute.evidence_added' });
    expect(audit).toHaveLength(2);

    const note = 'Photos show a cracked lens; 60 % back to the buyer';
    const resolved = await h.call('POST', `/api/support/orders/${link.paymentCode}/resolution`, h.staff.tokens.agent, {
      resolution: 'split',
      sellerAmountMinor: 3600,
      buyerAmountMinor: 5400,
      note,
    });
    expect(resolved.status).toBe(200);
    for (const party of [buyer, seller]) {
      await eventually(async () =>
        h.line.state
          .messagesTo(party.userId)
          .some((m) => JSON.stringify(m.message).includes(zh.title.transaction_result) && JSON.stringify(m.message).includes(note)),
      );
    }
    expect((await orderRow(h, link.paymentCode)).state).toBe('completed');
    // Settled: what the buyer types now is ordinary chat again, not evidence.
    await h.say(buyer.userId, 'hello?');
    await eventually(async () => (await h.knex('line_inbox').where({ user_id: buyer.userId }).whereNull('processed_at')).length === 0);
    expect(await h.knex('dispute_evidence').where({ payment_code: link.paymentCode })).toHaveLength(2);
  });
});
