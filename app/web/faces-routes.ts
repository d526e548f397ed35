// The pages of faces and people (issue 21), mounted by routes.ts before
// GET /media/:id/:variant: the faces of an attachment and their crops, the
// people pages and /admin/recognition.
import type { Express } from 'express';
import type { Services } from '#app/context';
import type { Database } from '#app/db/connection';
import { adminRecognitionController } from '#app/web/controllers/admin-recognition';
import { facesController } from '#app/web/controllers/faces';
import { peopleController } from '#app/web/controllers/people';
import { requireLogin, requireSuperuser } from '#app/web/middleware/auth';

export function mountFaceRoutes(app: Express, s: Pick<Services, 'media' | 'cards' | 'jobs'>, db: Database): void {
  const faces = facesController({ media: s.media });
  const people = peopleController({ media: s.media });
  const admin = adminRecognitionController({ cards: s.cards, jobs: s.jobs, db });
  app.get('/media/:id/faces', requireLogin, faces.json);
  app.get('/media/:id/faces/:face', requireLogin, faces.crop);
  app.get('/people', requireLogin, people.list);
  app.get('/people/:id', requireLogin, people.show);
  app.post('/people/:id/name', requireSuperuser, people.rename);
  app.post('/people/:id/faces/:face/:verdict', requireSuperuser, people.review);
  app.post('/people/:id/merge', requireSuperuser, people.merge);
  app.post('/people/:id/split', requireSuperuser, people.split);
  app.post('/people/:id/forget', requireSuperuser, people.forget);
  app.get('/admin/recognition', requireSuperuser, admin.show);
  app.post('/admin/recognition', requireSuperuser, admin.save);
  app.post('/admin/recognition/run', requireSuperuser, admin.runAgain);
  app.post('/admin/recognition/regroup', requireSuperuser, admin.regroup);
}
