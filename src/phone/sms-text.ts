/**
 * The text with the binding code. Short (one SMS segment in each language), says what the code
 * is for and that nobody should ask for it: most code theft is a caller asking for the code.
 */
export type SmsLanguage = 'zh-TW' | 'en';

export function bindingCodeText(language: SmsLanguage, code: string, validMinutes: number): string {
  return language === 'en'
    ? `Escrow: your phone binding code is ${code}, valid for ${validMinutes} min. Never share it; we will never ask for it.`
    : `Escrow 手機綁定驗證碼:${code},${validMinutes} 分鐘內有效。請勿告訴任何人,我們不會向您索取。`;
}
