// What Orbis accepts as an attachment, how it is recognised (from the bytes,
// never from the name or the browser's claim), and the thumbnail recipe.
//
// What MUST hold for hostile files:
// - the type is detected from the bytes; SVG, HTML, MVG and anything
//   unrecognised is refused (SVG/HTML can carry scripts; MVG/MSL are
//   ImageMagick's scripting formats, the ImageTragick family);
// - the pixel count is read from the header and checked before any decode;
// - ImageMagick only ever sees a file with an explicit coder prefix
//   (`bmp:`, `psd:`, `tiff:`), so it never guesses a format from content,
//   and runs under memory/map/area/time limits;
// - sharp runs with limitInputPixels, and a decode warning (a truncated
//   file) is an error.
import fs from 'node:fs';
import { fileTypeFromFile } from 'file-type';
import gm from 'gm';
import sharp, { type Metadata, type OutputInfo } from 'sharp';
import { inEnglish, msg, type Message, type Text } from '#app/i18n/message';
import { parseExif, type PhotoMetadata } from '#app/services/exif';
import { THUMB_WIDTHS, type ThumbFormat, type ThumbWidth } from '#app/services/media-files';

// One libvips thread per job (jobs run concurrently instead) and no
// operation cache: the worker's memory stays bounded by the jobs in flight.
sharp.cache(false);

export type Decoder = 'sharp' | 'magick' | 'none';

/** Accepted types: how each is decoded ('none': stored and served as a download, no thumbnails). */
export const ACCEPTED: Readonly<Record<string, { label: string; decoder: Decoder; coder?: string }>> = {
  'image/jpeg': { label: 'JPEG', decoder: 'sharp' },
  'image/png': { label: 'PNG', decoder: 'sharp' },
  'image/webp': { label: 'WebP', decoder: 'sharp' },
  'image/gif': { label: 'GIF', decoder: 'sharp' },
  'image/avif': { label: 'AVIF', decoder: 'sharp' },
  // sharp reads the first page; ImageMagick is the fallback for what it cannot read.
  'image/tiff': { label: 'TIFF', decoder: 'sharp', coder: 'tiff' },
  'image/bmp': { label: 'BMP', decoder: 'magick', coder: 'bmp' },
  'image/vnd.adobe.photoshop': { label: 'PSD', decoder: 'magick', coder: 'psd' },
  'application/pdf': { label: 'PDF', decoder: 'none' },
};

/** A file Orbis will not take, with the reason the user sees. */
export class RefusedFileError extends Error {
  override name = 'RefusedFileError';
  /** The reason for the reader's language; `message` holds it in English (logs, the CLI). */
  constructor(readonly text: Text) {
    super(inEnglish(text));
  }
}

/** A file accepted at upload that cannot be made into thumbnails (not retried), with the reason the card shows. */
export class UnreadableImageError extends Error {
  override name = 'UnreadableImageError';
  /** The reason for the reader's language; `message` holds it in English (logs, the job's error). */
  constructor(readonly text: Message) {
    super(inEnglish(text));
  }
}

/** Names a text format the detector does not report, for a clearer refusal. */
function textKind(head: string): Message | null {
  const h = head
    .replace(/^\uFEFF/, '')
    .trimStart()
    .toLowerCase();
  if (/^<\?xml[^>]*>\s*(<!--[\s\S]*?-->\s*)*<svg|^<svg/.test(h) || h.includes('<svg')) return msg('attachments.refused.svg');
  if (/^<!doctype html|^<html|<script|<body|<head/.test(h)) return msg('attachments.refused.html');
  if (/^push\s+graphic-context|^viewbox\s|url\(|^<\?xml|^<image/.test(h)) return msg('attachments.refused.drawing');
  return null;
}

export interface Detected {
  mime: string;
  label: string;
  decoder: Decoder;
  coder?: string;
  width: number | null;
  height: number | null;
}

/** Reads the type from the bytes and the dimensions from the header; throws RefusedFileError with the reason. */
export async function detectFile(file: string, size: number, maxPixels: number): Promise<Detected> {
  if (size === 0) throw new RefusedFileError(msg('attachments.refused.empty'));
  const type = await fileTypeFromFile(file);
  const accepted = type ? ACCEPTED[type.mime] : undefined;
  if (!type || !accepted) {
    const fd = await fs.promises.open(file, 'r');
    const head = Buffer.alloc(2048);
    const { bytesRead } = await fd.read(head, 0, head.length, 0).finally(() => fd.close());
    const why = textKind(head.toString('utf8', 0, bytesRead));
    if (why) throw new RefusedFileError(why);
    throw new RefusedFileError(type ? msg('attachments.refused.type', { mime: type.mime }) : msg('attachments.refused.unknown'));
  }
  let dims: { width: number; height: number } | null = null;
  if (accepted.decoder === 'sharp') {
    try {
      // Header only: metadata() does not decode pixels.
      const m = await sharp(file, { limitInputPixels: false }).metadata();
      if (m.width && m.height) dims = { width: m.width, height: m.height };
    } catch (err) {
      if (type.mime !== 'image/tiff')
        throw new RefusedFileError(
          msg('attachments.refused.damaged', { format: accepted.label, why: (err as Error).message.split('\n')[0] }),
        );
    }
  } else if (accepted.decoder === 'magick') {
    dims = await headerDimensions(file, type.mime);
    if (!dims) throw new RefusedFileError(msg('attachments.refused.header', { format: accepted.label }));
  }
  if (dims && dims.width * dims.height > maxPixels) {
    throw new RefusedFileError(
      msg('attachments.refused.pixels', { width: dims.width, height: dims.height, megapixels: Math.round(maxPixels / 1e6) }),
    );
  }
  return {
    mime: type.mime,
    label: accepted.label,
    decoder: accepted.decoder,
    coder: accepted.coder,
    width: dims?.width ?? null,
    height: dims?.height ?? null,
  };
}

/** Width and height from a BMP or PSD header (the formats sharp cannot probe). */
async function headerDimensions(file: string, mime: string): Promise<{ width: number; height: number } | null> {
  const fd = await fs.promises.open(file, 'r');
  const b = Buffer.alloc(26);
  const { bytesRead } = await fd.read(b, 0, b.length, 0).finally(() => fd.close());
  if (bytesRead < 26) return null;
  if (mime === 'image/bmp') {
    const w = Math.abs(b.readInt32LE(18));
    const h = Math.abs(b.readInt32LE(22));
    return w && h ? { width: w, height: h } : null;
  }
  // PSD: "8BPS", version, 6 reserved, channels, then height and width (big-endian).
  const h = b.readUInt32BE(14);
  const w = b.readUInt32BE(18);
  return w && h ? { width: w, height: h } : null;
}

/** ImageMagick limits for one conversion (given with `.in()`, so they apply to reading). */
export function magickToPng(input: string, coder: string, output: string, maxPixels: number, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    gm.subClass({ imageMagick: true, timeout: timeoutMs })(`${coder}:${input}[0]`)
      .in('-limit', 'memory', '256MiB')
      .in('-limit', 'map', '512MiB')
      .in('-limit', 'disk', '1GiB')
      .in('-limit', 'area', String(maxPixels))
      .in('-limit', 'width', '30000')
      .in('-limit', 'height', '30000')
      .in('-limit', 'time', String(Math.ceil(timeoutMs / 1000)))
      .write(`png:${output}`, (err: Error | null) =>
        err
          ? reject(
              new UnreadableImageError(
                msg('attachments.failed.magick', { format: coder.toUpperCase(), why: String(err.message).split('\n')[0].slice(0, 300) }),
              ),
            )
          : resolve(),
      );
  });
}

export interface Thumbnail {
  width: ThumbWidth;
  format: ThumbFormat;
  data: Buffer;
}

export interface Rendered {
  width: number;
  height: number;
  metadata: PhotoMetadata;
  dominant: string;
  thumbs: Thumbnail[];
}

const hex = (n: number) => n.toString(16).padStart(2, '0');

// WebP at effort 2 instead of libwebp's default 4: the WebP encodes are most
// of the worker's time, and effort 2 makes them about 45% faster for files
// about 3% larger at the same quality setting (docs/benchmarks.md, "Image
// pipeline"). The benchmark's bare-sharp and ImageMagick runs use the same.
export const WEBP_QUALITY = 80;
export const WEBP_EFFORT = 2;
export const JPEG_QUALITY = 82;

/**
 * The thumbnail recipe: orient by EXIF first (metadata is stripped by every
 * output), decode once to at most 1600 px wide (JPEG shrink-on-load), make
 * the smaller widths from those pixels, never upscale.
 */
export async function renderThumbnails(input: string, maxPixels: number): Promise<Rendered> {
  const open = () => sharp(input, { limitInputPixels: maxPixels, failOn: 'warning', sequentialRead: true });
  let meta: Metadata;
  let base: { data: Buffer; info: OutputInfo };
  try {
    meta = await open().metadata();
    base = await open().rotate().resize({ width: 1600, withoutEnlargement: true }).raw().toBuffer({ resolveWithObject: true });
  } catch (err) {
    throw new UnreadableImageError(msg('attachments.failed.unreadable', { why: (err as Error).message.split('\n')[0].slice(0, 300) }));
  }
  const metadata = parseExif(meta.exif);
  const swap = (meta.orientation ?? 1) >= 5;
  const width = swap ? meta.height! : meta.width!;
  const height = swap ? meta.width! : meta.height!;
  const raw = { width: base.info.width, height: base.info.height, channels: base.info.channels };
  const thumbs: Thumbnail[] = [];
  let dominant = '#888888';
  for (const w of [...THUMB_WIDTHS].reverse()) {
    const sized = () => sharp(base.data, { raw }).resize({ width: w, withoutEnlargement: true });
    thumbs.push({ width: w, format: 'webp', data: await sized().webp({ quality: WEBP_QUALITY, effort: WEBP_EFFORT }).toBuffer() });
    const jpeg = await sized().flatten({ background: '#ffffff' }).jpeg({ quality: JPEG_QUALITY }).toBuffer();
    thumbs.push({ width: w, format: 'jpg', data: jpeg });
    if (w === 160) {
      const { dominant: d } = await sharp(jpeg).stats();
      dominant = `#${hex(d.r)}${hex(d.g)}${hex(d.b)}`;
    }
  }
  return { width, height, metadata, dominant, thumbs };
}
