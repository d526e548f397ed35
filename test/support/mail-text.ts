// A sunk mail (test/support/smtp-sink.ts) as a person reads it: the subject's
// RFC 2047 encoded words and the body's transfer encoding (quoted-printable
// or base64, as nodemailer picks for non-ASCII text) decoded to UTF-8.
import type { SunkMail } from '#test/support/smtp-sink';

function quotedPrintable(s: string): string {
  const bytes: number[] = [];
  const text = s.replace(/=\r?\n/g, '');
  for (let i = 0; i < text.length; i++) {
    const hex = text.slice(i + 1, i + 3);
    if (text[i] === '=' && /^[0-9A-F]{2}$/i.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else bytes.push(...Buffer.from(text[i], 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

export function readMail(mail: SunkMail): { subject: string; text: string } {
  const split = mail.data.indexOf('\n\n');
  const head = mail.data.slice(0, split).replace(/\n[ \t]+/g, ' ');
  const body = mail.data.slice(split + 2);
  const rawSubject = /^Subject: (.*)$/im.exec(head)?.[1] ?? '';
  const subject = rawSubject
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?utf-8\?([qb])\?([^?]*)\?=/gi, (_, enc: string, s: string) =>
      enc.toUpperCase() === 'B' ? Buffer.from(s, 'base64').toString('utf8') : quotedPrintable(s.replace(/_/g, ' ')),
    );
  const encoding = /^Content-Transfer-Encoding: (\S+)/im.exec(head)?.[1]?.toLowerCase();
  const text =
    encoding === 'base64'
      ? Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8')
      : encoding === 'quoted-printable'
        ? quotedPrintable(body)
        : body;
  return { subject, text: text.replace(/\r\n/g, '\n') };
}
