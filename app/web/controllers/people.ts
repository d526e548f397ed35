// People (issue 21): /people lists the groups of faces the viewer may see
// (through cards they may read), /people/:id one person's faces and cards.
// Changes — name a group, confirm or reject a suggested face, merge, split
// faces off, forget the person — are for administrators (the routes'
// guard), each a form with its CSRF token.
import type { Services } from '#app/context';
import { msg } from '#app/i18n/message';
import { ValidationError } from '#app/services/errors';
import { flash } from '#app/web/flash';
import { id, matching, signedIn, STRICT_ID } from '#app/web/handler';

// i18n-keys: people.status.* people.flash.confirmed people.flash.rejected
const PERSON = { id: id(msg('people.errors.noPerson'), STRICT_ID) };
const FACE = { ...PERSON, face: id(msg('people.errors.noFace'), STRICT_ID), verdict: matching(/^(confirm|reject)$/) };

const ids = (v: unknown): number[] =>
  [v ?? []]
    .flat()
    .map((x) => Number(x))
    .filter((n) => Number.isSafeInteger(n) && n > 0);

export function peopleController({ media }: Pick<Services, 'media'>) {
  const people = media.people;
  return {
    list: signedIn(async (_req, res, { user }) => {
      res.render('people/list.njk', { people: await people.list(user) });
    }),

    show: signedIn(PERSON, async (req, res, { user, params }) => {
      const person = await people.get(user, params.id);
      const others = user.isSuperuser ? (await people.list(user)).filter((p) => p.id !== person.id) : [];
      res.render('people/show.njk', { person, others, name: person.name ?? '', errors: {} });
    }),

    rename: signedIn(PERSON, async (req, res, { user, params }) => {
      const name = typeof req.body?.name === 'string' ? req.body.name.slice(0, 1000) : '';
      try {
        await people.rename(params.id, name);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        const person = await people.get(user, params.id);
        return res
          .status(400)
          .render('people/show.njk', { person, others: [], name, errors: { name: req.t('people.errors.nameTooLong') } });
      }
      flash(req, req.t('people.flash.named'));
      res.redirect(303, `/people/${params.id}`);
    }),

    review: signedIn(FACE, async (req, res, { params }) => {
      await people.review(params.face, params.id, params.verdict[1] as 'confirm' | 'reject');
      flash(req, req.t(`people.flash.${params.verdict[1]}ed`));
      res.redirect(303, `/people/${params.id}`);
    }),

    merge: signedIn(PERSON, async (req, res, { params }) => {
      const [from] = ids(req.body?.from);
      if (!from) throw new ValidationError(msg('people.errors.chooseGroup'));
      await people.merge(params.id, from);
      flash(req, req.t('people.flash.merged'));
      res.redirect(303, `/people/${params.id}`);
    }),

    split: signedIn(PERSON, async (req, res, { user, params }) => {
      const created = await people.split(params.id, ids(req.body?.faces), user.id);
      flash(req, req.t('people.flash.split'));
      res.redirect(303, `/people/${created}`);
    }),

    forget: signedIn(PERSON, async (req, res, { user, params }) => {
      const faces = await people.forget(params.id, user.id);
      flash(req, req.t('people.flash.forgotten', { count: faces }));
      res.redirect(303, '/people');
    }),
  };
}
