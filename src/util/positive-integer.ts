/** RangeError unless `value` is a positive safe integer (sample rates, sizes); `name` starts the message. */
export function checkPositiveInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value <= 0)
    throw new RangeError(`${name} must be a positive integer, got ${value}`);
}
