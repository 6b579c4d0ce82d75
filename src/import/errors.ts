/** The TFLite model does not have the structure the importer maps; the message names the op and tensor. */
export class ImportError extends Error {
  override name = 'ImportError';
}
