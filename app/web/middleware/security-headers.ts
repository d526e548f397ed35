// The headers every answer of Orbis carries (helmet, plus what helmet does
// not set), and no-store on every answer that is not a static file.
//
// What MUST hold (ASVS 5.0 chapters 3 and 7; docs/security.md):
// - no page may be framed: CSP frame-ancestors 'none' AND X-Frame-Options
//   DENY (older browsers read only the latter; SAMEORIGIN would contradict);
// - fonts, scripts and styles come from this site only (no font is served
//   from elsewhere: Bootstrap ships none, and its icons are not used);
// - powerful browser features (camera, microphone, geolocation, …) are off
//   for every page: Orbis uses none of them;
// - an answer built for a user is never kept by the browser or a proxy
//   (Cache-Control: no-store): the back button after sign-out or a shared
//   computer must not show it. Handlers that serve files choose their own
//   (media: private, immutable — the file is content-addressed).
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';

export const PERMISSIONS_POLICY = [
  'accelerometer=()',
  'autoplay=()',
  'camera=()',
  'display-capture=()',
  'geolocation=()',
  'gyroscope=()',
  'hid=()',
  'magnetometer=()',
  'microphone=()',
  'midi=()',
  'payment=()',
  'screen-wake-lock=()',
  'serial=()',
  'usb=()',
  'xr-spatial-tracking=()',
].join(', ');

export function securityHeaders(options: { https: boolean }) {
  const headers = helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        fontSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        upgradeInsecureRequests: options.https ? [] : null,
      },
    },
    frameguard: { action: 'deny' },
    hsts: options.https,
  });
  return (req: Request, res: Response, next: NextFunction) => {
    res.setHeader('Permissions-Policy', PERMISSIONS_POLICY);
    headers(req, res, next);
  };
}

/** Mounted after the static files: every answer from here on is not stored. */
export function noStore(_req: Request, res: Response, next: NextFunction) {
  res.setHeader('Cache-Control', 'no-store');
  next();
}
