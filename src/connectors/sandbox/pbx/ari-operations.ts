/**
 * The ARI operations the sandbox PBX implements, as data. One table drives both the Swagger
 * declarations served under /ari/api-docs (from which ari-client builds its methods) and the
 * HTTP router, so the two cannot drift apart. Resources, nicknames, paths, parameters and error
 * statuses follow Asterisk's own API declarations; operations Trunkline never uses are left out.
 *
 * Each line reads `resource METHOD /path nickname ResponseClass query-params... | statuses`,
 * where a query parameter is `name[:int|:boolean][!][*]` (`!` required, `*` allowMultiple).
 * Path parameters come from the `{braces}` in the path.
 */
const TABLE = [
  'asterisk GET /asterisk/info getInfo AsteriskInfo only*',
  'asterisk GET /asterisk/ping ping AsteriskPing',
  'applications GET /applications list List[Application]',
  'applications GET /applications/{applicationName} get Application | 404',
  'channels GET /channels list List[Channel]',
  'channels POST /channels originate Channel endpoint! app appArgs callerId timeout:int channelId originator | 400 409',
  'channels GET /channels/{channelId} get Channel | 404',
  'channels POST /channels/{channelId} originateWithId Channel endpoint! app appArgs callerId timeout:int originator | 400 409',
  'channels DELETE /channels/{channelId} hangup void reason | 400 404',
  'channels POST /channels/{channelId}/answer answer void | 404 409',
  'channels POST /channels/{channelId}/ring ring void | 404 409',
  'channels POST /channels/{channelId}/dtmf sendDTMF void dtmf | 400 404 409',
  'channels POST /channels/{channelId}/play play Playback media!* lang playbackId | 404 409',
  'channels POST /channels/{channelId}/play/{playbackId} playWithId Playback media!* lang | 404 409',
  'channels POST /channels/{channelId}/record record LiveRecording name! format! maxDurationSeconds:int maxSilenceSeconds:int ifExists beep:boolean terminateOn | 400 404 409 422',
  'channels POST /channels/{channelId}/snoop snoopChannel Channel spy whisper app! appArgs snoopId | 400 404 409',
  'channels POST /channels/{channelId}/snoop/{snoopId} snoopChannelWithId Channel spy whisper app! appArgs | 400 404 409',
  'bridges GET /bridges list List[Bridge]',
  'bridges POST /bridges create Bridge type* bridgeId name',
  'bridges GET /bridges/{bridgeId} get Bridge | 404',
  'bridges POST /bridges/{bridgeId} createWithId Bridge type* name | 409',
  'bridges DELETE /bridges/{bridgeId} destroy void | 404',
  'bridges POST /bridges/{bridgeId}/addChannel addChannel void channel!* | 400 404 409 422',
  'bridges POST /bridges/{bridgeId}/removeChannel removeChannel void channel!* | 400 404 422',
  'bridges POST /bridges/{bridgeId}/record record LiveRecording name! format! maxDurationSeconds:int maxSilenceSeconds:int ifExists beep:boolean terminateOn | 400 404 409 422',
  'playbacks GET /playbacks/{playbackId} get Playback | 404',
  'playbacks DELETE /playbacks/{playbackId} stop void | 404',
  'recordings GET /recordings/stored listStored List[StoredRecording]',
  'recordings GET /recordings/stored/{recordingName} getStored StoredRecording | 404',
  'recordings DELETE /recordings/stored/{recordingName} deleteStored void | 404',
  'recordings GET /recordings/stored/{recordingName}/file getStoredFile binary | 404',
  'recordings GET /recordings/live/{recordingName} getLive LiveRecording | 404',
  'recordings DELETE /recordings/live/{recordingName} cancel void | 404',
  'recordings POST /recordings/live/{recordingName}/stop stop void | 404',
  'events GET /events eventWebsocket Message app!* subscribeAll:boolean',
];

export type AriResource =
  'asterisk' | 'applications' | 'channels' | 'bridges' | 'playbacks' | 'recordings' | 'events';

export const ARI_RESOURCES: readonly AriResource[] = [
  'asterisk',
  'applications',
  'channels',
  'bridges',
  'playbacks',
  'recordings',
  'events',
];

export interface AriParam {
  name: string;
  paramType: 'path' | 'query';
  dataType: 'string' | 'int' | 'boolean';
  required: boolean;
  allowMultiple: boolean;
}

export interface AriOperationSpec {
  resource: AriResource;
  httpMethod: 'GET' | 'POST' | 'DELETE';
  path: string;
  nickname: string;
  responseClass: string;
  parameters: AriParam[];
  errorResponses: Array<{ code: number; reason: string }>;
}

/** What each status means, in the words of the ARI declarations for that resource. */
const REASONS: Record<AriResource, Record<number, string>> = {
  asterisk: {},
  applications: { 404: 'Application does not exist.' },
  channels: {
    400: 'Invalid parameters',
    404: 'Channel not found',
    409: 'Channel not in a Stasis application, or the channel id or recording name is in use',
    422: 'The format specified is unknown on this system',
  },
  bridges: {
    400: 'Channel not found, or invalid parameters',
    404: 'Bridge not found',
    409: 'Bridge not in Stasis application, the id is in use by another kind of bridge, or the recording name is in use',
    422: 'Channel not in Stasis application or not in this bridge, or the recording format is unknown',
  },
  playbacks: { 404: 'The playback cannot be found' },
  recordings: { 404: 'Recording not found' },
  events: {},
};

function parseParam(token: string): AriParam {
  const match = /^(\w+)(?::(int|boolean))?(!)?(\*)?$/.exec(token);
  if (!match) throw new Error(`bad ARI parameter spec: ${token}`);
  return {
    name: match[1],
    paramType: 'query',
    dataType: (match[2] as AriParam['dataType'] | undefined) ?? 'string',
    required: match[3] === '!',
    allowMultiple: match[4] === '*',
  };
}

function parseOperation(line: string): AriOperationSpec {
  const [head, statuses = ''] = line.split(' | ');
  const [resource, httpMethod, route, nickname, responseClass, ...queries] = head.split(' ');
  const pathParams = [...route.matchAll(/\{(\w+)\}/g)].map(([, name]): AriParam => ({
    name,
    paramType: 'path',
    dataType: 'string',
    required: true,
    allowMultiple: false,
  }));
  const reasons = REASONS[resource as AriResource];
  return {
    resource: resource as AriResource,
    httpMethod: httpMethod as AriOperationSpec['httpMethod'],
    path: route,
    nickname,
    responseClass,
    parameters: [...pathParams, ...queries.map(parseParam)],
    errorResponses: statuses
      .split(' ')
      .filter(Boolean)
      .map((code) => ({ code: Number(code), reason: reasons[Number(code)] ?? 'Error' })),
  };
}

export const ARI_OPERATIONS: readonly AriOperationSpec[] = TABLE.map(parseOperation);

/** `resource.nickname`, the key the router uses to find a handler. */
export function operationKey(spec: AriOperationSpec): string {
  return `${spec.resource}.${spec.nickname}`;
}
