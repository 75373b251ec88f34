const MENTION = /(^|[^A-Za-z0-9_.@-])@([A-Za-z0-9_][A-Za-z0-9_.:@-]{0,127})/g;

/**
 * The identities `@mentioned` in a message body, in order of first appearance, without
 * duplicates. Trailing punctuation ("@bob." or "@bob:") is not part of the identity. Only
 * identities in `members` count, so `mentions` never names someone outside the conversation.
 */
export function parseMentions(body: string, members: ReadonlySet<string>): string[] {
  const found: string[] = [];
  for (const match of body.matchAll(MENTION)) {
    const identity = match[2].replace(/[.:@-]+$/, '');
    if (members.has(identity) && !found.includes(identity)) found.push(identity);
  }
  return found;
}
