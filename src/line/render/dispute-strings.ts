import type { Language } from './i18n';

/**
 * Words of the dispute conversation (S205 with the parties): asking for a reason and photos,
 * support's own messages, the agent's note on the result, and the chat's acknowledgements.
 * Quick-reply labels are at most 20 characters (LINE's label limit); tapping one sends its text.
 */
export interface DisputeStrings {
  askBuyer: string;
  askSeller: string;
  reasons: string[];
  supportNote: string;
  fromSupport: string;
  /** Chat answers while a dispute waits for the party's words or photos. */
  reasonKept(reason: string): string;
  photoKept: string;
  photoFailed: string;
}

export const DISPUTE_STRINGS: Record<Language, DisputeStrings> = {
  'zh-TW': {
    askBuyer: '請點選下方原因或直接輸入說明,並在此聊天室傳送商品照片。客服人員會看到您提供的內容。',
    askSeller: '客服人員請您說明此交易的情況,並在此聊天室傳送照片(例如出貨證明)。',
    reasons: ['未收到商品', '商品與描述不符', '商品損壞', '其他'],
    supportNote: '客服說明',
    fromSupport: '客服人員',
    reasonKept: (reason) => `已收到您的說明:「${reason}」。您也可以繼續傳送照片。`,
    photoKept: '已收到照片,已附加到此爭議。',
    photoFailed: '照片暫時無法取得,請稍後再傳一次。',
  },
  en: {
    askBuyer: 'Tap a reason below or type what went wrong, and send photos of the item here in this chat. Our support staff will see them.',
    askSeller: 'Our support staff ask you to tell us about this deal and to send photos here in this chat (for example proof of shipping).',
    reasons: ['Item not received', 'Not as described', 'Item damaged', 'Something else'],
    supportNote: "Support's note",
    fromSupport: 'Support',
    reasonKept: (reason) => `Thank you, we noted: "${reason}". You can send photos too.`,
    photoKept: 'Photo received and attached to the dispute.',
    photoFailed: 'We could not fetch that photo just now; please send it again in a moment.',
  },
};
