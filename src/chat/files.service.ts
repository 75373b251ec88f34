import { fileTypeFromBuffer } from 'file-type';
import sharp from 'sharp';
import type { BlobStore } from '../media/index.js';
import {
  ConflictError,
  NotFoundError,
  UnprocessableError,
  refuseField,
} from '../platform/index.js';
import type { Actor } from './access.js';
import type { ChatContext } from './context.js';
import type { FileRow } from './files.store.js';

/** Attachment types accepted by default: common images, documents, audio and video. */
export const DEFAULT_FILE_TYPES = [
  'image/jpeg',
  'image/png',
  'image/gif',
  'image/webp',
  'application/pdf',
  'text/plain',
  'audio/mpeg',
  'audio/ogg',
  'video/mp4',
] as const;

const THUMBNAIL_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

/**
 * The content type the bytes really have: what file-type sniffs from the magic numbers, or
 * `text/plain` for valid UTF-8 without NUL bytes (text has no magic number). Null otherwise.
 */
export async function sniffContentType(bytes: Buffer): Promise<string | null> {
  const found = await fileTypeFromBuffer(bytes);
  if (found) return found.mime;
  const text = bytes.toString('utf8');
  return !text.includes('\u0000') && Buffer.from(text, 'utf8').equals(bytes) ? 'text/plain' : null;
}

function fileView(
  row: FileRow,
  urls: { download_url?: string | null; thumbnail_url?: string | null } = {},
) {
  return {
    id: row.id,
    filename: row.filename,
    content_type: row.content_type,
    size: Number(row.size),
    status: row.status,
    rejection: row.rejection,
    uploaded_by: row.uploaded_by,
    has_thumbnail: row.thumbnail_key !== null,
    created_at: row.created_at.toISOString(),
    ...urls,
  };
}

export type FilesService = ReturnType<typeof createFilesService>;

/**
 * Attachments: a declared upload gets a presigned PUT bound to its type and size; before it
 * can be attached the stored bytes are checked (size, sniffed type) and images get a
 * thumbnail; downloads are short-lived URLs for the uploader and the members of
 * conversations where the file is attached.
 */
export function createFilesService(
  ctx: ChatContext,
  deps: {
    blobs: BlobStore;
    options: { fileTypes: readonly string[]; uploadUrlTtlSec: number; downloadUrlTtlSec: number };
  },
) {
  const { blobs, options } = deps;

  async function create(
    actor: Actor,
    input: { filename: string; content_type: string; size: number },
  ) {
    const contentType = input.content_type.toLowerCase();
    if (!options.fileTypes.includes(contentType)) {
      refuseField(
        '/content_type',
        'unsupported_file_type',
        `Files of type ${input.content_type} are not accepted.`,
      );
    }
    if (input.size > ctx.limits.maxFileBytes) {
      refuseField('/size', 'file_too_large', `A file is at most ${ctx.limits.maxFileBytes} bytes.`);
    }
    const now = ctx.clock.now();
    const id = ctx.ids('file');
    const row: FileRow = {
      id,
      project_id: actor.projectId,
      uploaded_by: actor.identity,
      filename: input.filename,
      content_type: contentType,
      size: input.size,
      status: 'pending',
      storage_key: `${actor.projectId}/chat/${id}`,
      thumbnail_key: null,
      rejection: null,
      created_at: now,
      updated_at: now,
    };
    const uploadUrl = await blobs.presignPut(row.storage_key, {
      contentType,
      size: input.size,
      expiresInSec: options.uploadUrlTtlSec,
    });
    await ctx.files.insert(row);
    return {
      ...fileView(row),
      upload_url: uploadUrl,
      upload_method: 'PUT',
      upload_headers: { 'content-type': contentType },
      upload_expires_at: new Date(now.getTime() + options.uploadUrlTtlSec * 1000).toISOString(),
    };
  }

  async function rejectionOf(row: FileRow, bytes: Buffer): Promise<string | null> {
    if (bytes.length !== Number(row.size))
      return `size is ${bytes.length} bytes, ${row.size} were declared`;
    const actual = await sniffContentType(bytes);
    if (actual !== row.content_type)
      return `content is ${actual ?? 'of an unknown type'}, ${row.content_type} was declared`;
    return null;
  }

  /**
   * A 320-pixel WebP thumbnail. Throws for bytes that carry an image's signature but do not
   * decode (truncated, corrupt, or over sharp's pixel limit, as a decompression bomb is):
   * such an upload is rejected, where it used to answer 500 on every try.
   */
  function thumbnailOf(bytes: Buffer): Promise<Buffer> {
    return sharp(bytes)
      .resize(320, 320, { fit: 'inside', withoutEnlargement: true })
      .webp()
      .toBuffer();
  }

  /**
   * Checks an uploaded file once; answers the settled row. Rejected bytes are deleted. Two
   * checks at once (a retried `/complete`): the one that finds the upload gone (the other
   * settled it and deleted it) answers the settled row, not a 500.
   */
  async function check(row: FileRow): Promise<FileRow> {
    if (row.status !== 'pending') return row;
    try {
      return await checkPending(row);
    } catch (err) {
      const now = await ctx.files.find(row.project_id, row.id);
      if (now && now.status !== 'pending') return now;
      throw err;
    }
  }

  async function checkPending(row: FileRow): Promise<FileRow> {
    const head = await blobs.head(row.storage_key);
    if (!head) throw new ConflictError('The file has not been uploaded yet.', 'upload_missing');
    const bytes = await blobs.get(row.storage_key);
    let rejection = await rejectionOf(row, bytes);
    let thumbnailKey: string | null = null;
    if (!rejection && THUMBNAIL_TYPES.has(row.content_type)) {
      const thumb = await thumbnailOf(bytes).catch((err: unknown) => {
        ctx.logger.info({ err, file_id: row.id }, 'uploaded image could not be decoded');
        return null;
      });
      if (thumb) {
        thumbnailKey = `${row.storage_key}.thumb.webp`;
        await blobs.put(thumbnailKey, thumb, 'image/webp');
      } else {
        rejection = `content could not be read as ${row.content_type}`;
      }
    }
    // The bytes checked are what is served, from a key of their own: the upload URL stays
    // valid for its whole life, and a second PUT to it after the check swapped the file
    // (HTML served as image/png, the old thumbnail beside it).
    const checkedKey = `${row.storage_key}.checked`;
    if (!rejection) await blobs.put(checkedKey, bytes, row.content_type);
    await ctx.files.settle(row.id, {
      status: rejection ? 'rejected' : 'ready',
      rejection,
      thumbnail_key: thumbnailKey,
      content_type: row.content_type,
      storage_key: rejection ? row.storage_key : checkedKey,
      updated_at: ctx.clock.now(),
    });
    await blobs.delete(row.storage_key);
    return (await ctx.files.find(row.project_id, row.id))!;
  }

  async function visibleRow(actor: Actor, id: string) {
    const row = await ctx.files.find(actor.projectId, id);
    if (!row) throw new NotFoundError('File');
    const allowed =
      actor.identity === null ||
      row.uploaded_by === actor.identity ||
      (await ctx.messages.fileVisibleTo(actor.projectId, id, actor.identity));
    if (!allowed) throw new NotFoundError('File');
    return row;
  }

  async function complete(actor: Actor, id: string) {
    const row = await check(await visibleRow(actor, id));
    if (row.status === 'rejected') {
      throw new UnprocessableError(`The file was rejected: ${row.rejection}.`, 'file_rejected');
    }
    return fileView(row);
  }

  async function get(actor: Actor, id: string) {
    const row = await visibleRow(actor, id);
    if (row.status !== 'ready') return fileView(row, { download_url: null, thumbnail_url: null });
    const ttl = options.downloadUrlTtlSec;
    return fileView(row, {
      download_url: await blobs.presignGet(row.storage_key, {
        expiresInSec: ttl,
        filename: row.filename,
      }),
      thumbnail_url: row.thumbnail_key
        ? await blobs.presignGet(row.thumbnail_key, { expiresInSec: ttl })
        : null,
      expires_at: new Date(ctx.clock.now().getTime() + ttl * 1000).toISOString(),
    } as Record<string, string | null>);
  }

  return { create, check, complete, get };
}
