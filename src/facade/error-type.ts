/**
 * The one `error.type` rule of the whole project: every facade helper, domain facade and
 * instrumentation adapter names a failure with {@link errorTypeOf}, so the same error gives the
 * same label wherever it is recorded.
 */

/** Semconv's fallback `error.type` when nothing better identifies the error. */
export const OTHER_ERROR = '_OTHER';

/**
 * A low-cardinality name for a thrown or rejected value, never its message:
 * 1. its `code` (`ECONNREFUSED`, `ENOTFOUND`, PostgreSQL's `23505`, a numeric driver code as a
 *    string), except a `DOMException`'s numeric legacy code (an `AbortError` is `AbortError`, not `20`);
 * 2. else its class name: the error's `name` (`TypeError`, `AbortError`), or, when `name` is the
 *    generic `Error`, its constructor's name (`class QuotaError extends Error {}` that never set
 *    `name` is `QuotaError`);
 * 3. else {@link OTHER_ERROR} (strings, `null`, plain objects).
 */
export function errorTypeOf(error: unknown): string {
  if (error === null || typeof error !== 'object') return OTHER_ERROR;
  const { code, name } = error as { code?: unknown; name?: unknown };
  if (typeof code === 'string' && code !== '') return code;
  if (typeof code === 'number' && Number.isFinite(code) && !isDomException(error)) return String(code);
  if (typeof name === 'string' && name !== '' && name !== 'Error') return name;
  const constructorName = (error as { constructor?: { name?: unknown } }).constructor?.name;
  if (typeof constructorName === 'string' && constructorName !== '' && constructorName !== 'Object') return constructorName;
  return typeof name === 'string' && name !== '' ? name : OTHER_ERROR;
}

function isDomException(error: object): boolean {
  return typeof DOMException === 'function' && error instanceof DOMException;
}
