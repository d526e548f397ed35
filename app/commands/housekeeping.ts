import type { Command } from '#app/commands/command';
import { ProgressBar } from '#app/commands/progress';
import { withContext } from '#app/commands/runtime';
import { inlineRegenerate, mediaHousekeeping } from '#app/services/media-housekeeping';
import { job as imagesProcess } from '#app/jobs/images.process';
import { jobDeps } from '#app/worker/start';

export const command: Command = {
  name: 'housekeeping',
  summary: 'remake thumbnails of older recipes and delete media files no row names',
  usage: '',
  positionals: { min: 0, max: 0 },
  help: ['Runs nightly as the beat job housekeeping.media; safe to run at any time.'],
  async run(_args, io) {
    const result = await withContext(async (ctx) => {
      let bar: ProgressBar | null = null;
      const r = await mediaHousekeeping({ db: ctx.db, media: ctx.services.media }, inlineRegenerate(ctx.log, imagesProcess.handler(jobDeps(ctx))), {
        phase(name, total) {
          bar?.finish();
          bar = new ProgressBar(io, name === 'files' ? 'checking files' : 'remaking thumbnails', total);
        },
        tick: () => bar?.tick(),
      });
      (bar as ProgressBar | null)?.finish();
      return r;
    });
    io.out(`thumbnails remade: ${result.regenerated}${result.failed ? ` (${result.failed} failed: see the log)` : ''}`);
    io.out(`unreferenced files deleted: ${result.deletedFiles} (${(result.freedBytes / 1024 / 1024).toFixed(1)} MB)`);
    return result.failed ? 1 : 0;
  },
};
