/**
 * The only links the simulator opens: absolute http(s) URLs. The URL parser decides (it strips
 * the leading blanks and controls, tabs and newlines a browser would also strip), so
 * `  java\nscript:` is seen as what it is. This function's source is also the page's copy.
 */
export function isOpenableUri(uri: unknown): boolean {
  if (typeof uri !== 'string' || uri === '') return false;
  let parsed: URL;
  try {
    parsed = new URL(uri);
  } catch {
    return false;
  }
  return parsed.protocol === 'http:' || parsed.protocol === 'https:';
}
