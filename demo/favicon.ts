// The pages' icon, drawn here rather than committed as a binary: a 16x16 32-bit .ico (one BMP
// image with alpha) of a blue disc with three white bars of a level meter, as favicon.svg draws it.

const SIZE = 16;

/** RGBA of pixel (x, y), y down. */
function pixel(x: number, y: number): [number, number, number, number] {
  const dx = x + 0.5 - SIZE / 2;
  const dy = y + 0.5 - SIZE / 2;
  if (dx * dx + dy * dy > (SIZE / 2) ** 2) return [0, 0, 0, 0];
  // Bars at x 4-5, 7-8, 10-11, of heights 6, 10 and 4, centred.
  const bars: [number, number][] = [
    [4, 6],
    [7, 10],
    [10, 4],
  ];
  for (const [left, height] of bars) {
    if (x >= left && x < left + 2 && Math.abs(y + 0.5 - SIZE / 2) < height / 2) return [255, 255, 255, 255];
  }
  return [0x24, 0x63, 0xeb, 255];
}

export function faviconIco(): Uint8Array {
  const pixels = SIZE * SIZE * 4;
  const mask = SIZE * 4; // 1 bit per pixel, rows padded to 32 bits; all 0: the alpha channel decides
  const image = 40 + pixels + mask;
  const bytes = new Uint8Array(6 + 16 + image);
  const view = new DataView(bytes.buffer);
  view.setUint16(2, 1, true); // type: icon
  view.setUint16(4, 1, true); // one image
  bytes[6] = SIZE;
  bytes[7] = SIZE;
  view.setUint16(10, 1, true); // planes
  view.setUint16(12, 32, true); // bits per pixel
  view.setUint32(14, image, true);
  view.setUint32(18, 22, true); // where the image starts
  // BITMAPINFOHEADER; the height counts the colour rows and the mask rows.
  view.setUint32(22, 40, true);
  view.setInt32(26, SIZE, true);
  view.setInt32(30, 2 * SIZE, true);
  view.setUint16(34, 1, true);
  view.setUint16(36, 32, true);
  view.setUint32(42, pixels + mask, true);
  // Rows bottom-up, each pixel B, G, R, A.
  for (let row = 0; row < SIZE; row++) {
    for (let x = 0; x < SIZE; x++) {
      const [r, g, b, a] = pixel(x, SIZE - 1 - row);
      bytes.set([b, g, r, a], 62 + (row * SIZE + x) * 4);
    }
  }
  return bytes;
}
