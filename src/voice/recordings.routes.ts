import { Router, type RequestHandler } from 'express';
import type { BlobStore } from '../media/index.js';
import {
  NotFoundError,
  paginate,
  pageOf,
  projectIdOf,
  validQuery,
  type Validate,
} from '../platform/index.js';
import type { RecordingRow, RecordingsStore } from './recordings.store.js';

/** How long a recording's `media_url` works. */
export const RECORDING_URL_TTL_SEC = 600;

export function recordingView(row: RecordingRow, mediaUrl?: string) {
  return {
    id: row.id,
    call_id: row.call_id,
    step: row.step,
    status: row.status,
    duration: row.duration,
    content_type: row.content_type,
    size: row.size,
    ...(mediaUrl !== undefined && { media_url: mediaUrl }),
    created_at: row.created_at.toISOString(),
  };
}

/** `/v1/recordings`: list (optionally for one call) and read with a presigned `media_url`. */
export function createRecordingsRouter(deps: {
  store: RecordingsStore;
  blobs: BlobStore;
  auth: { project: RequestHandler[] };
  validate: Validate;
}) {
  const { store, auth, validate } = deps;
  const router = Router();

  router.get('/v1/recordings', ...auth.project, validate('listRecordings'), async (req, res) => {
    const query = validQuery(res);
    const callId = typeof query.call_id === 'string' ? query.call_id : undefined;
    res.json(
      await paginate(store.listQuery(projectIdOf(req.auth), callId), pageOf(query), {
        prefix: 'rec',
        map: (row: RecordingRow) => recordingView(row),
      }),
    );
  });

  router.get('/v1/recordings/:id', ...auth.project, validate('getRecording'), async (req, res) => {
    const row = await store.find(projectIdOf(req.auth), req.params.id as string);
    if (!row) throw new NotFoundError('Recording');
    const url = await deps.blobs.presignGet(row.blob_key, {
      expiresInSec: RECORDING_URL_TTL_SEC,
      filename: `${row.id}.wav`,
    });
    res.json(recordingView(row, url));
  });

  return router;
}
