const MENTION = /(^|[^A-Za-z0-9_.@-])@([A-Za-z0-9_][A-Za-z0-9_.:@-]{0,127})/g;

/**
 * Every identity-shaped `@mention` in a message body, in order of first appearance, without
 * duplicates and whether or not it names a member. Trailing punctuation ("@bob." or "@bob:")
 * is not part of the identity. A body without '@' has none (and costs no regex run).
 */
export function mentionCandidates(body: string): string[] {
  const found: string[] = [];
  if (!body.includes('@')) return found;
  for (const match of body.matchAll(MENTION)) {
    const identity = match[2].replace(/[.:@-]+$/, '');
    if (!found.includes(identity)) found.push(identity);
  }
  return found;
}

/**
 * The identities `@mentioned` in a message body, in order of first appearance, without
 * duplicates. Only identities in `members` count, so `mentions` never names someone outside
 * the conversation.
 */
export function parseMentions(body: string, members: ReadonlySet<string>): string[] {
  return mentionCandidates(body).filter((identity) => members.has(identity));
}
