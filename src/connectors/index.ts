export {
  createSmppGateway,
  createSmsRouter,
  routesFromConfigs,
  parseSmppUrls,
  bindsByAccount,
  SUBMIT_ERROR_TABLE,
  isDeliveryReceipt,
  parseDeliveryReceipt,
  messageIdCandidates,
  normalizeMessageId,
} from './smpp/index.js';
export type {
  SmsGateway,
  SubmitPart,
  InboundPdu,
  SmsRouter,
  SmppBindConfig,
  DeliveryReceipt,
  ReceiptOutcome,
} from './smpp/index.js';
export { createSmscSimulator, MAGIC_DESTINATIONS } from './sandbox/smsc/index.js';
export type { SmscSimulator } from './sandbox/smsc/index.js';
export { createAriMediaControl, ChannelGoneError } from './ari/index.js';
export type { MediaControl, MediaEvent, AriMediaControlConfig } from './ari/index.js';
export { createPbxSimulator } from './sandbox/pbx/index.js';
export type { PbxSimulator } from './sandbox/pbx/index.js';
