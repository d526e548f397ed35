// `./manage.ts i18n check`: the translators' gate (catalogs: locales/LANG/AREA.json). Lists per language the keys
// missing (plural forms by the language's own rules) or with broken
// placeholders, and the keys no source file names; exits 1 when a language is
// incomplete. CI runs it (test/unit/i18n.catalogs-complete.test.ts).
// The CLI itself stays English: its readers are administrators at a shell,
// and its lines are searched for in docs and logs.
import path from 'node:path';
import { loadSettings } from '#app/config';
import type { Command } from '#app/cli/command';
import { checkCatalogs, readSources } from '#app/i18n/check';
import { readCatalogs } from '#app/i18n/i18n';

export const command: Command = {
  name: 'i18n',
  help: 'check the language catalogs (locales/LANG/AREA.json): missing keys, broken placeholders, unused keys',
  arguments: [{ name: 'ACTION', choices: ['check'], help: 'check: list what each language lacks; exit 1 when a language is incomplete' }],
  async handle(_args, io) {
    const settings = loadSettings();
    const catalogs = readCatalogs(path.join(settings.root, 'locales'));
    const report = checkCatalogs(catalogs, settings.i18n.defaultLocale, readSources(settings.root));
    for (const lang of report.languages) {
      const problems = lang.missing.length + lang.placeholders.length + lang.stray.length;
      io.out(`${lang.locale}: ${problems ? `${problems} problem(s)` : 'complete'}`);
      for (const k of lang.missing) io.out(`  missing      ${k}`);
      for (const p of lang.placeholders) io.out(`  placeholder  ${p}`);
      for (const k of lang.stray) io.out(`  not in ${settings.i18n.defaultLocale}    ${k}`);
    }
    if (report.unused.length) {
      io.out(`unused keys (named by no source file): ${report.unused.length}`);
      for (const k of report.unused) io.out(`  unused       ${k}`);
    }
    if (!report.ok) {
      io.err('error: a language is incomplete (see above)');
      return 1;
    }
    return 0;
  },
};
