// The error shape every part of the JS side raises, the same as the Go module's errors.

/**
 * Creates an Error shaped like the ones the Go module produces.
 * @param {string} code
 * @param {string} message
 * @param {Record<string, unknown>} [extra]
 */
export function appEngageError(code, message, extra) {
  const err = new Error(`appengage: ${code}: ${message}`);
  err.name = 'AppEngageError';
  err.code = code;
  if (extra) Object.assign(err, extra);
  return err;
}
