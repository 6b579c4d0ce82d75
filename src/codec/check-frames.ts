export function checkFrames(what: string, length: number, perFrame: number): number {
  if (length === 0 || length % perFrame !== 0)
    throw new RangeError(`${what}: ${length} values is not a whole number of frames of ${perFrame}`);
  return length / perFrame;
}
