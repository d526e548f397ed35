// The face engine on the face-api package's own sample photos: the counts it
// finds are pinned (a regression test of the models, the decoding and the
// options), a photo without a face gives none, an EXIF-rotated copy gives the
// same faces (boxes turned with it), and the same person seen in two photos
// lies within the match distance while the others in the photo do not.
// The models load once for the whole file.
import assert from 'node:assert/strict';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import sharp from 'sharp';
import { cropFace, descriptorDistance, detectFaces, loadFaceModels, CROP_SIDE, type Detection } from '#app/services/face-engine';
import { DEFAULT_RECOGNITION } from '#app/services/recognition-settings';
import { SAMPLES } from '#test/support/faces';

const OPTIONS = { minScore: 0.5, minSize: 0, maxPixels: 100_000_000 };

describe('the face engine on the package samples', () => {
  const found = new Map<string, Detection>();

  before(async () => {
    await loadFaceModels();
    for (const s of ['sample1', 'sample2', 'sample6']) found.set(s, await detectFaces(path.join(SAMPLES, `${s}.jpg`), OPTIONS));
  });

  it('finds 3, 3 and 4 faces in sample1, sample2 and sample6 at minScore 0.5, each with landmarks and a descriptor', () => {
    assert.deepEqual(
      [...found.values()].map((d) => d.faces.length),
      [3, 3, 4],
    );
    for (const d of found.values()) {
      assert.equal(Math.max(d.width, d.height), 1600, 'detected on the 1600 px rendition');
      for (const f of d.faces) {
        assert.ok(f.score >= 0.5 && f.score <= 1, `score ${f.score}`);
        assert.equal(f.landmarks.length, 68);
        assert.equal(f.descriptor.length, 128);
        assert.ok(f.box.w > 50 && f.box.x >= 0 && f.box.x + f.box.w <= d.width + 1, JSON.stringify(f.box));
      }
    }
  });

  it('drops faces under the minimum size and under the minimum score', async () => {
    const small = await detectFaces(path.join(SAMPLES, 'sample2.jpg'), { ...OPTIONS, minSize: 140 });
    assert.ok(small.faces.length >= 1 && small.faces.length < 3, `${small.faces.length} faces of at least 140 px`);
    const sure = await detectFaces(path.join(SAMPLES, 'sample2.jpg'), { ...OPTIONS, minScore: 0.95 });
    assert.ok(sure.faces.length >= 1 && sure.faces.length < 3, `${sure.faces.length} faces of score ≥ 0.95`);
  });

  it('finds no face in a photo without one', async () => {
    // A landscape-like gradient with noise: something for the detector to look at, and nobody in it.
    const w = 1200;
    const h = 800;
    const px = Buffer.alloc(w * h * 3);
    for (let i = 0; i < w * h; i++) {
      const y = Math.floor(i / w);
      px[i * 3] = 90 + ((y * 7 + i * 13) % 40);
      px[i * 3 + 1] = 140 + ((i * 31) % 50);
      px[i * 3 + 2] = 200 - Math.floor(y / 8);
    }
    const jpeg = await sharp(px, { raw: { width: w, height: h, channels: 3 } })
      .jpeg()
      .toBuffer();
    const d = await detectFaces(jpeg, OPTIONS);
    assert.equal(d.faces.length, 0);
  });

  it('finds the same faces in an EXIF-rotated copy, its boxes turned with the photo', async () => {
    // Stored turned 90° counter-clockwise, orientation 6 says "turn it clockwise to view": upright it is the original.
    const upright = found.get('sample1')!;
    const turned = await sharp(path.join(SAMPLES, 'sample1.jpg'))
      .rotate(-90)
      .withMetadata({ orientation: 6 })
      .jpeg({ quality: 95 })
      .toBuffer();
    const meta = await sharp(turned).metadata();
    assert.equal(meta.orientation, 6);
    assert.ok(meta.height! > meta.width!, 'stored on its side');
    const d = await detectFaces(turned, OPTIONS);
    assert.deepEqual([d.width, d.height], [upright.width, upright.height]);
    assert.equal(d.faces.length, upright.faces.length);
    for (const f of upright.faces) {
      const twin = d.faces.find((g) => Math.abs(g.box.x - f.box.x) < 12 && Math.abs(g.box.y - f.box.y) < 12);
      assert.ok(twin, `a face at ${JSON.stringify(f.box)} in the rotated copy: ${JSON.stringify(d.faces.map((g) => g.box))}`);
      assert.ok(descriptorDistance(twin.descriptor, f.descriptor) < 0.2);
    }
  });

  it('puts the same person in two photos within the match distance, and the others in the photo outside it', async () => {
    // The second photo: one person's part of sample1, cut out, shrunk and saved again (another framing, scale and JPEG).
    const whole = found.get('sample1')!;
    const target = whole.faces.reduce((a, b) => (a.box.x > b.box.x ? a : b));
    const left = Math.max(0, Math.round(target.box.x - target.box.w));
    const top = Math.max(0, Math.round(target.box.y - target.box.h / 2));
    const side = Math.round(target.box.w * 3);
    const sized = await sharp(path.join(SAMPLES, 'sample1.jpg')).resize({ width: whole.width }).png().toBuffer();
    const second = await sharp(sized)
      .extract({ left, top, width: Math.min(side, whole.width - left), height: Math.min(side, whole.height - top) })
      .resize({ width: 360 })
      .jpeg({ quality: 70 })
      .toBuffer();
    const d = await detectFaces(second, OPTIONS);
    assert.equal(d.faces.length, 1, 'one person in the cut-out');
    const match = DEFAULT_RECOGNITION.matchDistance;
    const distances = whole.faces.map((f) => descriptorDistance(f.descriptor, d.faces[0].descriptor));
    const same = distances[whole.faces.indexOf(target)];
    assert.ok(same < match, `same person: ${same.toFixed(3)} < ${match}`);
    for (const [i, dist] of distances.entries())
      if (whole.faces[i] !== target) assert.ok(dist > match, `another person: ${dist.toFixed(3)} > ${match}`);
  });

  it('crops a face as a square WebP of 160 px', async () => {
    const d = await detectFaces(path.join(SAMPLES, 'sample6.jpg'), OPTIONS);
    const crop = await cropFace(d.rendition, d.faces[0].box);
    const meta = await sharp(crop).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['webp', CROP_SIDE, CROP_SIDE]);
  });
});
