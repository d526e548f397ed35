// Where media bytes live under MEDIA_ROOT, content-addressed by sha256:
//   originals/ab/cd/<sha>                 the uploaded bytes, once per hash
//   thumbs/ab/cd/<sha>-v<N>-<w>.<webp|jpg> thumbnails of recipe version N
//   tmp/                                  uploads being received (same file
//                                         system, so a finished upload is a rename)
// Paths are built only from a validated hash, version and width: nothing a
// user typed ever reaches the file system.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** The thumbnail recipe's version: raise it when the recipe changes, and housekeeping regenerates. */
export const THUMBS_VERSION = 1;
export const THUMB_WIDTHS = [160, 640, 1600] as const;
export type ThumbWidth = (typeof THUMB_WIDTHS)[number];
export const THUMB_FORMATS = ['webp', 'jpg'] as const;
export type ThumbFormat = (typeof THUMB_FORMATS)[number];

const SHA = /^[0-9a-f]{64}$/;

function checkSha(sha: string): string {
  if (!SHA.test(sha)) throw new Error(`not a sha256: ${JSON.stringify(sha)}`);
  return sha;
}

export function originalRel(sha: string): string {
  checkSha(sha);
  return path.posix.join('originals', sha.slice(0, 2), sha.slice(2, 4), sha);
}

export function thumbRel(sha: string, version: number, width: ThumbWidth, format: ThumbFormat): string {
  checkSha(sha);
  return path.posix.join('thumbs', sha.slice(0, 2), sha.slice(2, 4), `${sha}-v${version}-${width}.${format}`);
}

export class MediaFiles {
  constructor(readonly root: string) {}

  abs(rel: string): string {
    return path.join(this.root, rel);
  }

  /** A fresh temp path under MEDIA_ROOT/tmp (created on demand). */
  async tempPath(suffix = ''): Promise<string> {
    const dir = path.join(this.root, 'tmp');
    await fs.promises.mkdir(dir, { recursive: true });
    return path.join(dir, `${Date.now()}-${crypto.randomBytes(8).toString('hex')}${suffix}`);
  }

  /**
   * Moves a received temp file to its content address. Returns true when this
   * call stored it, false when the same bytes were already there (the temp
   * file is then removed: the same file is stored once).
   */
  async storeOriginal(tempFile: string, sha: string): Promise<boolean> {
    const target = this.abs(originalRel(sha));
    await fs.promises.mkdir(path.dirname(target), { recursive: true });
    try {
      await fs.promises.access(target);
      await fs.promises.rm(tempFile, { force: true });
      return false;
    } catch {
      await fs.promises.rename(tempFile, target);
      return true;
    }
  }

  /** Writes a file atomically (temp + rename), so a reader never sees half a thumbnail. */
  async writeAtomic(rel: string, data: Buffer): Promise<void> {
    const target = this.abs(rel);
    await fs.promises.mkdir(path.dirname(target), { recursive: true });
    const tmp = `${target}.${crypto.randomBytes(6).toString('hex')}.part`;
    await fs.promises.writeFile(tmp, data);
    await fs.promises.rename(tmp, target);
  }

  /** Every file under originals/ and thumbs/ (relative paths), for housekeeping. */
  async *walk(): AsyncGenerator<string> {
    for (const top of ['originals', 'thumbs']) {
      const base = this.abs(top);
      if (!fs.existsSync(base)) continue;
      for (const entry of await fs.promises.readdir(base, { recursive: true, withFileTypes: true })) {
        if (!entry.isFile()) continue;
        yield path.relative(this.root, path.join(entry.parentPath, entry.name)).split(path.sep).join('/');
      }
    }
  }
}

/** sha256 and size of a file, streamed. */
export async function hashFile(file: string): Promise<{ sha256: string; size: number }> {
  const hash = crypto.createHash('sha256');
  let size = 0;
  for await (const chunk of fs.createReadStream(file)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), size };
}
