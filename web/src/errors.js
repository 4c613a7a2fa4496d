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

/**
 * A validation error about one field, with its one problem (the shape the module gives).
 * @param {string} field
 * @param {string} message
 */
export function fieldError(field, message) {
  return appEngageError('validation', `${field}: ${message}`, { field, problems: [{ field, message }] });
}
