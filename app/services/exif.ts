// The few EXIF facts the card shows (taken at, camera, GPS, orientation),
// read from the raw EXIF block sharp returns. A small TIFF-structure reader:
// every offset is bounds-checked, so a hostile EXIF block yields less
// metadata, never an exception or a loop (IFDs are visited once each).

export interface PhotoMetadata {
  takenAt?: string;
  camera?: string;
  gps?: { lat: number; lon: number };
  orientation?: number;
}

type Value = number | string | number[];

function readIfd(buf: Buffer, start: number, le: boolean, seen: Set<number>): Map<number, Value> {
  const out = new Map<number, Value>();
  if (seen.has(start) || start < 8 || start + 2 > buf.length) return out;
  seen.add(start);
  const u16 = (o: number) => (le ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
  const u32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const count = Math.min(u16(start), 512);
  for (let i = 0; i < count; i++) {
    const e = start + 2 + i * 12;
    if (e + 12 > buf.length) break;
    const tag = u16(e);
    const type = u16(e + 2);
    const n = u32(e + 4);
    const size = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 7: 1, 9: 4, 10: 8 }[type] ?? 0;
    if (!size || n > 4096) continue;
    const at = size * n <= 4 ? e + 8 : u32(e + 8);
    if (at + size * n > buf.length) continue;
    if (type === 2)
      out.set(
        tag,
        buf
          .toString('latin1', at, at + n)
          .replace(/\0.*$/s, '')
          .trim(),
      );
    else if (type === 3) out.set(tag, n === 1 ? u16(at) : Array.from({ length: n }, (_, k) => u16(at + 2 * k)));
    else if (type === 4) out.set(tag, n === 1 ? u32(at) : Array.from({ length: n }, (_, k) => u32(at + 4 * k)));
    else if (type === 5)
      out.set(
        tag,
        Array.from({ length: n }, (_, k) => {
          const d = u32(at + 8 * k + 4);
          return d ? u32(at + 8 * k) / d : 0;
        }),
      );
  }
  return out;
}

function dms(v: Value | undefined, ref: Value | undefined, neg: string): number | null {
  if (!Array.isArray(v) || v.length < 3) return null;
  const deg = v[0] + v[1] / 60 + v[2] / 3600;
  if (!Number.isFinite(deg)) return null;
  return Math.round((ref === neg ? -deg : deg) * 1e6) / 1e6;
}

/** EXIF "2024:05:06 14:03:22" → "2024-05-06T14:03:22" (camera local time: EXIF has no zone). */
function exifDate(v: Value | undefined): string | undefined {
  const m = typeof v === 'string' ? /^(\d{4}):(\d{2}):(\d{2}) (\d{2}):(\d{2}):(\d{2})/.exec(v) : null;
  return m ? `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}` : undefined;
}

export function parseExif(raw: Buffer | undefined): PhotoMetadata {
  if (!raw || raw.length < 14) return {};
  // sharp's block may start with "Exif\0\0" before the TIFF header.
  const buf = raw.subarray(0, 6).toString('latin1') === 'Exif\0\0' ? raw.subarray(6) : raw;
  const mark = buf.toString('latin1', 0, 2);
  if (mark !== 'II' && mark !== 'MM') return {};
  const le = mark === 'II';
  const seen = new Set<number>();
  const ifd0 = readIfd(buf, le ? buf.readUInt32LE(4) : buf.readUInt32BE(4), le, seen);
  const exif = typeof ifd0.get(0x8769) === 'number' ? readIfd(buf, ifd0.get(0x8769) as number, le, seen) : new Map<number, Value>();
  const gps = typeof ifd0.get(0x8825) === 'number' ? readIfd(buf, ifd0.get(0x8825) as number, le, seen) : new Map<number, Value>();
  const out: PhotoMetadata = {};
  const taken = exifDate(exif.get(0x9003)) ?? exifDate(ifd0.get(0x0132));
  if (taken) out.takenAt = taken;
  const make = typeof ifd0.get(0x010f) === 'string' ? (ifd0.get(0x010f) as string) : '';
  const model = typeof ifd0.get(0x0110) === 'string' ? (ifd0.get(0x0110) as string) : '';
  const camera = model.startsWith(make) ? model : `${make} ${model}`.trim();
  if (camera) out.camera = camera.slice(0, 200);
  const lat = dms(gps.get(2), gps.get(1), 'S');
  const lon = dms(gps.get(4), gps.get(3), 'W');
  if (lat !== null && lon !== null && Math.abs(lat) <= 90 && Math.abs(lon) <= 180) out.gps = { lat, lon };
  const o = ifd0.get(0x0112);
  if (typeof o === 'number' && o >= 1 && o <= 8) out.orientation = o;
  return out;
}
