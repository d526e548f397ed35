// The pages of faces and people (issue 21), mounted by routes.ts before
// GET /media/:id/:variant: the faces of an attachment and their crops, the
// people pages and /admin/recognition.
import type { Express } from 'express';
import type { Services } from '#app/context';
import { facesController } from '#app/web/controllers/faces';
import { requireLogin } from '#app/web/middleware/auth';

export function mountFaceRoutes(app: Express, s: Pick<Services, 'media' | 'cards' | 'jobs'>): void {
  const faces = facesController({ media: s.media });
  app.get('/media/:id/faces', requireLogin, faces.json);
  app.get('/media/:id/faces/:face', requireLogin, faces.crop);
}
