// Base64 to bytes for the Hermes bundles, which embed model files as text (Hermes has no atob in
// every build, nor TextDecoder or fetch).
const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

export function fromBase64(text: string): Uint8Array {
  const value = new Int16Array(128).fill(-1);
  for (let i = 0; i < 64; i++) value[BASE64.charCodeAt(i)] = i;
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - padding);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    const n =
      (value[text.charCodeAt(i)]! << 18) |
      (value[text.charCodeAt(i + 1)]! << 12) |
      ((value[text.charCodeAt(i + 2)]! & 63) << 6) |
      (value[text.charCodeAt(i + 3)]! & 63);
    if (o < out.length) out[o++] = n >> 16;
    if (o < out.length) out[o++] = (n >> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  return out;
}
