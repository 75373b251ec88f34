export { createAriMediaControl } from './create-ari-media-control.js';
export type { AriMediaControlConfig } from './create-ari-media-control.js';
export type { MediaControl, MediaEvent } from './media-control.js';
export { ChannelGoneError } from './ari-errors.js';
export type { ReconnectPolicy } from './reconnect-delay.js';
