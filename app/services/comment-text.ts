// The words of a comment: a small markdown subset (bold, italics, lists,
// links, code) rendered to HTML, and what a comment says that must be checked
// before it is kept (a script tag, a dangerous link, the users it mentions).
//
// What MUST hold, and why:
// - No raw HTML ever reaches a page: markdown-it runs with html: false, so
//   `<script>` is text and is escaped like any text. Only the rules listed in
//   ENABLED run (no images, no tables, no headings, no raw HTML).
// - A link goes only to http, https or mailto (validateLink), and carries
//   rel="noopener nofollow": a comment cannot run code or lend the site's
//   reputation to a link.
// - Mentions are read from the text a reader sees, not from code spans or
//   blocks: `@anna` inside backticks mentions nobody.
import MarkdownIt, { type Token } from 'markdown-it';

const ENABLED = ['emphasis', 'list', 'link', 'autolink', 'backticks', 'code', 'fence', 'newline', 'escape'];
const LINK = /^(?:https?:|mailto:)/i;

/** `@` and an email address, or `@` and the part of one before its `@` (kept only if one user has it). */
export const MENTION = /(^|[^\w@.+-])@([a-z0-9._%+-]*[a-z0-9_%+-](?:@[a-z0-9-]+(?:\.[a-z0-9-]+)+)?)/gi;

const md = new MarkdownIt('zero', { html: false, breaks: true, linkify: false, typographer: false });
md.enable(ENABLED);
md.validateLink = (url: string) => LINK.test(url.trim());

md.renderer.rules.link_open = (tokens, idx, options, _env, self) => {
  tokens[idx].attrSet('rel', 'noopener nofollow');
  return self.renderToken(tokens, idx, options);
};
// Mentions stand out; the text is escaped first, and a handle holds no character that escaping changes.
md.renderer.rules.text = (tokens, idx) =>
  md.utils
    .escapeHtml(tokens[idx].content)
    .replace(MENTION, (_m, pre: string, handle: string) => `${pre}<span class="mention">@${handle}</span>`);

/** The comment as HTML (safe to put in a page as it is). */
export function commentHtml(body: string): string {
  return md.render(body);
}

/** The text a reader sees, outside code: each paragraph's words, with one space where markup or code was. */
function proseOf(tokens: Token[]): string {
  const parts: string[] = [];
  for (const block of tokens) {
    if (block.type !== 'inline' || !block.children) continue;
    for (const c of block.children) {
      if (c.type === 'text') parts.push(c.content);
      else if (c.type === 'softbreak' || c.type === 'hardbreak') parts.push('\n');
      else parts.push(' ');
    }
    parts.push('\n');
  }
  return parts.join('');
}

export interface CommentFacts {
  /** A `<script` tag (or `</script`) outside code. */
  script: boolean;
  /** A markdown link to javascript:, vbscript: or data: (it is not made a link; the writer is told why). */
  unsafeLink: boolean;
  /** The handles mentioned, lower case, each once, in order. */
  mentions: string[];
}

/** What a comment says that must be checked before it is kept. */
export function commentFacts(body: string): CommentFacts {
  const prose = proseOf(md.parse(body, {}));
  const mentions = new Set<string>();
  for (const m of prose.matchAll(MENTION)) mentions.add(m[2].toLowerCase());
  return {
    script: /<\s*\/?\s*script\b/i.test(prose),
    unsafeLink: /\]\(\s*<?\s*(?:javascript|vbscript|data)\s*:/i.test(prose),
    mentions: [...mentions],
  };
}
