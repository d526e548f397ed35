// Receives a multipart upload (field `files`, several files) with busboy,
// streaming each file into MEDIA_ROOT/tmp (or the folder `files` names: the
// CSV import's is private) while hashing it. Nothing is
// buffered in memory; a file over the size limit is cut (and marked
// truncated, so the service refuses it), and an aborted request removes
// what it had written.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import busboy from 'busboy';
import type { Request } from 'express';
import { msg } from '#app/i18n/message';
import { ValidationError } from '#app/services/errors';
import type { MediaFiles } from '#app/services/media-files';
import type { ReceivedFile } from '#app/services/media';

const MAX_FILES = 50;

export async function receiveFiles(req: Request, files: Pick<MediaFiles, 'tempPath'>, maxBytes: number): Promise<ReceivedFile[]> {
  if (!req.is('multipart/form-data'))
    throw new ValidationError(msg('attachments.upload.notMultipart'), { files: msg('attachments.upload.notMultipartField') });
  const received: ReceivedFile[] = [];
  const writes: Promise<void>[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      let bb: busboy.Busboy;
      try {
        bb = busboy({ headers: req.headers, limits: { fileSize: maxBytes, files: MAX_FILES, fields: 20, parts: MAX_FILES + 20 } });
      } catch (err) {
        return reject(
          new ValidationError(msg('attachments.upload.unreadable', { why: (err as Error).message }), {
            files: msg('attachments.upload.malformed'),
          }),
        );
      }
      bb.on('file', (name, stream, info) => {
        if (name !== 'files') {
          stream.resume();
          return;
        }
        const entry: ReceivedFile = { tempFile: '', name: info.filename ?? 'file', size: 0, sha256: '', truncated: false };
        received.push(entry);
        const hash = crypto.createHash('sha256');
        const counter = new Transform({
          transform(chunk: Buffer, _enc, cb) {
            hash.update(chunk);
            entry.size += chunk.length;
            cb(null, chunk);
          },
        });
        stream.on('limit', () => {
          entry.truncated = true;
        });
        writes.push(
          files.tempPath().then(async (tmp) => {
            entry.tempFile = tmp;
            await pipeline(stream, counter, fs.createWriteStream(tmp));
            entry.sha256 = hash.digest('hex');
          }),
        );
      });
      // On abort or a refused upload, stop busboy too: the part being
      // streamed would otherwise never end, and its write never settle.
      const fail = (err: Error) => {
        req.unpipe(bb);
        bb.destroy(err);
        reject(err);
      };
      bb.on('filesLimit', () =>
        fail(
          new ValidationError(msg('attachments.upload.tooMany', { count: MAX_FILES }), { files: msg('attachments.upload.tooManyField') }),
        ),
      );
      bb.on('error', (err) =>
        reject(
          new ValidationError(msg('attachments.upload.broken', { why: (err as Error).message }), {
            files: msg('attachments.upload.malformed'),
          }),
        ),
      );
      bb.on('close', () => resolve());
      req.on('aborted', () =>
        fail(new ValidationError(msg('attachments.upload.aborted'), { files: msg('attachments.upload.abortedField') })),
      );
      req.pipe(bb);
    });
    await Promise.all(writes);
    return received;
  } catch (err) {
    await Promise.allSettled(writes);
    await Promise.all(received.filter((f) => f.tempFile).map((f) => fs.promises.rm(f.tempFile, { force: true })));
    throw err;
  }
}
