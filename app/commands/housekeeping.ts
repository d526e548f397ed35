import type { Command } from '#app/cli/command';
import { ProgressBar } from '#app/cli/progress';
import { withContext } from '#app/cli/runtime';
import { inlineRegenerate, mediaHousekeeping } from '#app/services/media-housekeeping';
import { job as imagesProcess } from '#app/jobs/images.process';
import { jobDeps } from '#app/worker/start';

export const command: Command = {
  name: 'housekeeping',
  help: 'remake thumbnails of older recipes and delete media files no row names',
  description: ['Runs nightly as the beat job housekeeping.media; safe to run at any time.'],
  async handle(_args, io) {
    const result = await withContext(async (ctx) => {
      let bar: ProgressBar | null = null;
      const r = await mediaHousekeeping(
        { db: ctx.db, media: ctx.services.media },
        inlineRegenerate(ctx.log, imagesProcess.handler(jobDeps(ctx))),
        {
          phase(name, total) {
            bar?.finish();
            bar = new ProgressBar(io, name === 'files' ? 'checking files' : 'remaking thumbnails', total);
          },
          tick: () => bar?.tick(),
        },
      );
      (bar as ProgressBar | null)?.finish();
      return r;
    });
    io.out(`thumbnails remade: ${result.regenerated}${result.failed ? ` (${result.failed} failed: see the log)` : ''}`);
    io.out(`unreferenced files deleted: ${result.deletedFiles} (${(result.freedBytes / 1024 / 1024).toFixed(1)} MB)`);
    return result.failed ? 1 : 0;
  },
};
