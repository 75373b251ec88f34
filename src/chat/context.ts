import type { Outbox } from '../events/index.js';
import type { Clock, Db, IdGenerator, Logger, Trx } from '../platform/index.js';
import type { ChatLog } from './chat-log.js';
import type { ConversationsStore } from './conversations.store.js';
import type { FileRow, FilesStore } from './files.store.js';
import type { IdentitiesStore } from './identities.store.js';
import type { MessagesStore } from './messages.store.js';

/** Limits of the chat contract, overridable for tests. */
export interface ChatLimits {
  /** Members of a group (the issue: up to 1,000). */
  maxMembers: number;
  /** UTF-8 bytes of a message body (the issue: 32 KB). */
  maxBodyBytes: number;
  /** Largest upload accepted (default 25 MB). */
  maxFileBytes: number;
}

export const DEFAULT_LIMITS: ChatLimits = {
  maxMembers: 1000,
  maxBodyBytes: 32 * 1024,
  maxFileBytes: 25 * 1024 * 1024,
};

/** What every chat use case works with: the stores, the one write path and the clock. */
export interface ChatContext {
  db: Db;
  conversations: ConversationsStore;
  messages: MessagesStore;
  identities: IdentitiesStore;
  files: FilesStore;
  log: ChatLog;
  outbox: Outbox;
  ids: IdGenerator;
  clock: Clock;
  logger: Logger;
  limits: ChatLimits;
  /** Whether the project owns `number`, read on the caller's transaction. */
  ownsNumber(projectId: string, number: string, via: Trx): Promise<boolean>;
  /** Checks an uploaded file that is still pending (set once the files service exists). */
  checkFile?: (row: FileRow) => Promise<FileRow>;
}
