/** What a value is, for an error message: "a string", "an ArrayBuffer of 23 bytes", "an Int8Array", "an object {length: 23}". */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of ${v.length} elements`;
  if (v instanceof ArrayBuffer) return `an ArrayBuffer of ${v.byteLength} bytes (wrap it: new Uint8Array(buffer))`;
  if (v instanceof DataView) return 'a DataView (pass new Uint8Array(view.buffer, view.byteOffset, view.byteLength))';
  if (ArrayBuffer.isView(v)) return `${/^[AEIOU]/.test(v.constructor.name) ? 'an' : 'a'} ${v.constructor.name}`;
  if (typeof v === 'object') {
    const keys = Object.keys(v).slice(0, 3);
    return `an object {${keys.map((k) => `${k}: ${shortText((v as Record<string, unknown>)[k])}`).join(', ')}}`;
  }
  if (typeof v === 'string') return `a string of ${v.length} characters`;
  return `${typeof v} ${String(v).slice(0, 40)}`;
}

/** String(v), cut short; objects that cannot become a string (no prototype, odd toString) are named by type. */
function shortText(v: unknown): string {
  try {
    return String(v).slice(0, 20);
  } catch {
    return typeof v;
  }
}
