// The face engine: finds faces in an image with @vladmandic/face-api on
// TensorFlow.js's WebAssembly backend — SSD MobileNet v1 (detection), the
// 68-point landmark net and the 128-d recognition net, their weights read
// from the package's own model/ folder (nothing is downloaded, ever).
//
// What MUST hold:
// - the models load once per process (`loadFaceModels` keeps one promise);
// - the image is EXIF-rotated and shrunk to at most 1600 px on its longer
//   side before detection, so boxes are in the rendition's pixels whatever
//   the original's orientation or size;
// - any decodable image (grey, CMYK, 16-bit, with alpha) becomes 8-bit sRGB
//   with three channels before it reaches the net; what sharp cannot decode
//   is an UnreadableImageError (the caller fails the job with the reason).
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import sharp from 'sharp';
import type * as FaceApi from '@vladmandic/face-api/dist/face-api.node-wasm.js';
import { msg } from '#app/i18n/message';
import { UnreadableImageError } from '#app/services/images';

// TensorFlow.js and face-api are imported when the models load, not with this
// file: every process imports the job list, and only recognition workers
// need them (importing them costs ≈ 110 MB and 0.9 s).
let faceapi: typeof FaceApi;
let tf: typeof FaceApi.tf;

const require = createRequire(import.meta.url);
const PACKAGE = path.dirname(require.resolve('@vladmandic/face-api/package.json'));
const WASM_DIR = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep;

/** What the worker says it runs (docs/benchmarks.md, /admin/recognition). */
export const FACE_MODEL = 'face-api 1.7 SSD MobileNet v1 + 68-point landmarks + 128-d descriptors (tfjs WASM)';
/** The longer side of the image the nets see. */
export const RENDITION = 1600;
/** The side of a face's crop, px (WebP). */
export const CROP_SIDE = 160;

export interface FaceBox {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface FoundFace {
  box: FaceBox;
  score: number;
  /** 68 points [x, y] in the rendition's pixels. */
  landmarks: [number, number][];
  /** 128 numbers (face-api's descriptor). */
  descriptor: number[];
}

export interface Rendition {
  data: Buffer;
  width: number;
  height: number;
}

export interface Detection {
  width: number;
  height: number;
  faces: FoundFace[];
  /** Milliseconds per step: decode+resize, detection, landmarks+descriptors. */
  ms: { decode: number; detect: number; describe: number };
}

export interface DetectOptions {
  /** Detector confidence below which a face is dropped (0–1). */
  minScore: number;
  /** Faces whose box is smaller than this on its shorter side (rendition px) are dropped. */
  minSize: number;
  /** Pixel limit of the input (as for thumbnails). */
  maxPixels: number;
}

interface ModelState {
  loadedAt: Date;
  loadMs: number;
}

let loading: Promise<ModelState> | null = null;
let loaded: ModelState | null = null;

async function loadNet(net: { loadFromWeightMap(map: ReturnType<typeof tf.io.decodeWeights>): void }, name: string): Promise<void> {
  const dir = path.join(PACKAGE, 'model');
  const manifest = JSON.parse(await fs.promises.readFile(path.join(dir, `${name}-weights_manifest.json`), 'utf8')) as {
    paths: string[];
    weights: Parameters<typeof tf.io.decodeWeights>[1];
  }[];
  const map: ReturnType<typeof tf.io.decodeWeights> = {};
  for (const group of manifest) {
    const buf = Buffer.concat(await Promise.all(group.paths.map((p) => fs.promises.readFile(path.join(dir, path.basename(p))))));
    const bytes = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length) as ArrayBuffer;
    Object.assign(map, tf.io.decodeWeights(bytes, group.weights));
  }
  net.loadFromWeightMap(map);
}

/** Loads the backend and the three nets, once per process; later calls share the first. */
export function loadFaceModels(): Promise<ModelState> {
  loading ??= (async () => {
    const started = Date.now();
    const [tfjs, wasm, api] = await Promise.all([
      import('@tensorflow/tfjs'),
      import('@tensorflow/tfjs-backend-wasm'),
      import('@vladmandic/face-api/dist/face-api.node-wasm.js'),
    ]);
    faceapi = api;
    // face-api's own handle on TensorFlow.js (the one its nets were built with).
    tf = api.tf;
    wasm.setWasmPaths(WASM_DIR);
    // One engine is shared by every copy of tfjs in the process (its global), so the backend set here is face-api's.
    await tfjs.setBackend('wasm');
    await tfjs.ready();
    await loadNet(faceapi.nets.ssdMobilenetv1, 'ssd_mobilenetv1_model');
    await loadNet(faceapi.nets.faceLandmark68Net, 'face_landmark_68_model');
    await loadNet(faceapi.nets.faceRecognitionNet, 'face_recognition_model');
    loaded = { loadedAt: new Date(), loadMs: Date.now() - started };
    return loaded;
  })().catch((err: unknown) => {
    loading = null;
    throw err;
  });
  return loading;
}

/** Whether this process has its models in memory (and since when). */
export function faceModelsLoaded(): ModelState | null {
  return loaded;
}

/** The EXIF-rotated rendition (≤ 1600 px), 8-bit sRGB, three channels; UnreadableImageError when sharp cannot read it. */
export async function rendition(input: Buffer | string, maxPixels: number): Promise<Rendition> {
  try {
    const { data, info } = await sharp(input, { limitInputPixels: maxPixels, failOn: 'error' })
      .rotate()
      .resize({ width: RENDITION, height: RENDITION, fit: 'inside', withoutEnlargement: true })
      .toColourspace('srgb')
      .flatten({ background: '#ffffff' })
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`expected 3 channels after conversion, got ${info.channels}`);
    return { data, width: info.width, height: info.height };
  } catch (err) {
    throw new UnreadableImageError(msg('attachments.failed.unreadable', { why: (err as Error).message.split('\n')[0].slice(0, 300) }));
  }
}

const round = (n: number, places = 1) => Math.round(n * 10 ** places) / 10 ** places;

/** Faces of a rendition, largest-score first. */
export async function detectIn(
  r: Rendition,
  options: Pick<DetectOptions, 'minScore' | 'minSize'>,
): Promise<Omit<Detection, 'ms'> & { ms: { detect: number; describe: number } }> {
  await loadFaceModels();
  // The nets cannot see faces in an image smaller than a few pixels: nothing to find.
  if (r.width < 16 || r.height < 16) return { width: r.width, height: r.height, faces: [], ms: { detect: 0, describe: 0 } };
  const started = performance.now();
  const tensor = tf.tensor3d(r.data, [r.height, r.width, 3], 'int32');
  try {
    const ssd = new faceapi.SsdMobilenetv1Options({ minConfidence: options.minScore, maxResults: 100 });
    const detections = (await faceapi.detectAllFaces(tensor as never, ssd)).filter(
      (d) => Math.min(d.box.width, d.box.height) >= options.minSize,
    );
    const detected = performance.now();
    const faces: FoundFace[] = [];
    if (detections.length) {
      // Landmarks and descriptors of the faces already found: the chain's tasks, fed the detections (no second detection).
      const parents = detections.map((d) => faceapi.extendWithFaceDetection({}, d));
      const described = await new faceapi.DetectAllFaceLandmarksTask(
        Promise.resolve(parents),
        tensor as never,
        false,
      ).withFaceDescriptors();
      for (const f of described) {
        const b = f.detection.box;
        faces.push({
          box: { x: round(b.x), y: round(b.y), w: round(b.width), h: round(b.height) },
          score: round(f.detection.score, 4),
          landmarks: f.landmarks.positions.map((p) => [round(p.x), round(p.y)] as [number, number]),
          descriptor: Array.from(f.descriptor, (v) => round(v, 6)),
        });
      }
    }
    faces.sort((a, b) => b.score - a.score);
    return { width: r.width, height: r.height, faces, ms: { detect: detected - started, describe: performance.now() - detected } };
  } finally {
    tensor.dispose();
  }
}

/** Reads, rotates and shrinks an image, then finds its faces. */
export async function detectFaces(input: Buffer | string, options: DetectOptions): Promise<Detection & { rendition: Rendition }> {
  const started = performance.now();
  const r = await rendition(input, options.maxPixels);
  const decode = performance.now() - started;
  const found = await detectIn(r, options);
  return { ...found, rendition: r, ms: { decode, ...found.ms } };
}

/** A square crop around a face (the box grown by a quarter, kept inside the image), CROP_SIDE px WebP. */
export async function cropFace(r: Rendition, box: FaceBox): Promise<Buffer> {
  const side = Math.max(1, Math.min(Math.round(Math.max(box.w, box.h) * 1.25), r.width, r.height));
  const cx = box.x + box.w / 2;
  const cy = box.y + box.h / 2;
  const left = Math.max(0, Math.min(r.width - side, Math.round(cx - side / 2)));
  const top = Math.max(0, Math.min(r.height - side, Math.round(cy - side / 2)));
  return sharp(r.data, { raw: { width: r.width, height: r.height, channels: 3 } })
    .extract({ left, top, width: side, height: side })
    .resize(CROP_SIDE, CROP_SIDE)
    .webp({ quality: 80 })
    .toBuffer();
}

/** Euclidean distance between two descriptors (the match distance compares to it). */
export function descriptorDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] - b[i]) ** 2;
  return Math.sqrt(sum);
}
