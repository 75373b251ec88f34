/**
 * Builds the `Content-Disposition` a presigned download answers with, so the browser saves
 * the file under `filename` (RFC 6266). Names that are not plain printable ASCII get an
 * ASCII fallback in `filename` plus the exact name in `filename*` (RFC 8187, UTF-8), since
 * a raw non-ASCII header value is not portable. Quotes, backslashes and control characters
 * never reach the header.
 */
export function formatAttachmentDisposition(filename: string): string {
  const cleaned = Array.from(filename).filter(isPrintable).join('').trim() || 'download';
  const fallback = cleaned.replace(/[^\x20-\x7e]|["\\]/g, '_');
  if (fallback === cleaned) return `attachment; filename="${cleaned}"`;
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encodeExtValue(cleaned)}`;
}

function encodeExtValue(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function isPrintable(char: string): boolean {
  const code = char.codePointAt(0) ?? 0;
  return code >= 0x20 && code !== 0x7f;
}
