export { confirmAgreeMessage, renderDealMessage, type RenderOptions } from './render';
export { DEFAULT_LANGUAGE, LANGUAGES, STRINGS, isLanguage, type Language, type Strings } from './i18n';
export {
  InvalidPostback,
  POSTBACK_ACTIONS,
  POSTBACK_TRANSACTION_CODE_PATTERN,
  decodePostback,
  encodePostback,
  postbackSchema,
  type DealPostback,
  type PostbackActionName,
} from './postback';
