/** The TFLite model does not have the structure the importer maps; the message names the op and tensor. */
export class ImportError extends Error {
  override name = 'ImportError';
}

/** The bytes are not a well-formed TFLite FlatBuffer (truncated, corrupt, or another kind of file). */
export class TFLiteFormatError extends Error {
  override name = 'TFLiteFormatError';
}
