// A card type's process as a picture (/cards/:type/process): the stages and
// transitions laid out on the server (app/services/process-diagram.ts), with
// how many cards the reader may read are in each stage; a stage links to the
// list filtered to it.
import type { Services } from '#app/context';
import type { Database } from '#app/db/connection';
import { typeIn } from '#app/services/card-type-labels';
import { stageCounts } from '#app/services/card-board';
import { parseListQuery } from '#app/services/card-list';
import { processDiagram } from '#app/services/process-diagram';
import type { CardPanelLoader } from '#app/web/controllers/cards';
import { signedIn } from '#app/web/handler';

const TYPE = { type: 'text' } as const;

export interface CardProcessDeps extends Pick<Services, 'cards' | 'roles'> {
  /** The count per stage. */
  db: Database;
}

export function cardProcessController({ cards, roles, db }: CardProcessDeps) {
  return {
    /** A card page panel: the process with the card's stage highlighted (read-only, no counts: no query). */
    panel: (async (req, _user, type, card) => ({
      process: { diagram: processDiagram(type, req.locale, roles.labels(), 'TB'), current: card.stage },
    })) satisfies CardPanelLoader,

    show: signedIn(TYPE, async (req, res, { user, params }) => {
      const type = cards.typeFor(user, params.type);
      const { byStage: counts } = await stageCounts(db, type, user, parseListQuery(type, {}), cards.searchLanguage);
      res.render('cards/process.njk', {
        type: typeIn(type, req.locale),
        diagram: processDiagram(type, req.locale, roles.labels()),
        counts,
        total: Object.values(counts).reduce((a, b) => a + b, 0),
      });
    }),
  };
}
