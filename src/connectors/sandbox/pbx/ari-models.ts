import type { AriResource } from './ari-operations.js';

/**
 * Swagger models of the JSON the sandbox PBX sends, by resource. ari-client needs the event
 * models in particular: for every WebSocket message it looks up the model named by `type` and
 * wraps each property whose type is a known resource (Channel, Playback, LiveRecording, Bridge)
 * — and it throws on a type it has no model for. Every event the simulator can emit is
 * therefore listed in EVENT_MODELS, and the simulator can only emit those.
 *
 * A property reads `name[:Type][!]` (`!` required; type defaults to string).
 */
const EVENT_MODELS = {
  ApplicationReplaced: '',
  BridgeCreated: 'bridge:Bridge!',
  BridgeDestroyed: 'bridge:Bridge!',
  ChannelCreated: 'channel:Channel!',
  ChannelDestroyed: 'cause:int! cause_txt! channel:Channel!',
  ChannelDtmfReceived: 'digit! duration_ms:int! channel:Channel!',
  ChannelEnteredBridge: 'bridge:Bridge! channel:Channel',
  ChannelHangupRequest: 'cause:int soft:boolean channel:Channel!',
  ChannelLeftBridge: 'bridge:Bridge! channel:Channel!',
  ChannelStateChange: 'channel:Channel!',
  Dial: 'caller:Channel peer:Channel! forward forwarded:Channel dialstring dialstatus!',
  PlaybackFinished: 'playback:Playback!',
  PlaybackStarted: 'playback:Playback!',
  RecordingFailed: 'recording:LiveRecording!',
  RecordingFinished: 'recording:LiveRecording!',
  RecordingStarted: 'recording:LiveRecording!',
  StasisEnd: 'channel:Channel!',
  StasisStart: 'args:List[string]! channel:Channel! replace_channel:Channel',
} as const;

/** The event types the simulator may publish. */
export type AriEventType = keyof typeof EVENT_MODELS;

const CHANNEL =
  'id! name! state! protocol_id caller:CallerID! connected:CallerID! accountcode! dialplan:DialplanCEP! creationtime:Date! language!';

const RESOURCE_MODELS: Record<AriResource, Record<string, string>> = {
  asterisk: {
    AsteriskInfo: 'build:object system:object config:object status:object',
    AsteriskPing: 'asterisk_id! ping! timestamp!',
  },
  applications: {
    Application:
      'name! channel_ids:List[string]! bridge_ids:List[string]! endpoint_ids:List[string]! device_names:List[string]!',
  },
  channels: {
    Channel: CHANNEL,
    CallerID: 'name! number!',
    DialplanCEP: 'context! exten! priority:long! app_name app_data',
  },
  bridges: {
    Bridge:
      'id! technology! bridge_type! bridge_class! creator! name! channels:List[string]! creationtime:Date! video_mode',
  },
  playbacks: {
    Playback: 'id! media_uri! next_media_uri target_uri! language state!',
  },
  recordings: {
    LiveRecording:
      'name! format! target_uri! state! duration:int talking_duration:int silence_duration:int cause',
    StoredRecording: 'name! format!',
  },
  events: {
    Message: 'type! asterisk_id',
    Event: 'application! timestamp:Date!',
    ...EVENT_MODELS,
  },
};

interface SwaggerModel {
  id: string;
  extends?: string;
  required: string[];
  properties: Record<string, { type: string }>;
}

function parseModel(id: string, spec: string): SwaggerModel {
  const model: SwaggerModel = { id, required: [], properties: {} };
  for (const token of spec.split(' ').filter(Boolean)) {
    const match = /^(\w+)(?::([\w[\]]+))?(!)?$/.exec(token);
    if (!match) throw new Error(`bad ARI model property: ${token}`);
    model.properties[match[1]] = { type: match[2] ?? 'string' };
    if (match[3]) model.required.push(match[1]);
  }
  if (id in EVENT_MODELS) model.extends = 'Event';
  if (id === 'Event') model.extends = 'Message';
  return model;
}

/** The `models` object of one resource's API declaration. */
export function modelsFor(resource: AriResource): Record<string, SwaggerModel> {
  return Object.fromEntries(
    Object.entries(RESOURCE_MODELS[resource]).map(([id, spec]) => [id, parseModel(id, spec)]),
  );
}

/** Every event type that has a model (for tests and the WebSocket conformance check). */
export const ARI_EVENT_TYPES = Object.keys(EVENT_MODELS) as AriEventType[];
