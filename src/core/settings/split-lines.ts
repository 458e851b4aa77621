/**
 * Splits text into lines on LF, CRLF or a lone CR (as Markdown does), so that
 * LF and CRLF bodies give identical results. Linear time.
 */
export function splitLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}
