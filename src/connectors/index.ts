export {
  createSmppGateway,
  createSmsRouter,
  routesFromConfigs,
  parseSmppUrls,
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
