// Face tests: where the face-api package keeps its sample photos.
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

/** The package's demo/ folder: sample1.jpg … sample6.jpg (group photos). */
export const SAMPLES = path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo');
