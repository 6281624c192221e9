/**
 * Trace strings made inert for a pull-request comment (GitHub-flavoured
 * Markdown), on top of the per-writer escaping of table syntax and HTML:
 *  - `@name` would notify a person or team: a zero-width joiner after `@`;
 *  - `#123`, `GH-123` and `owner/repo#123` would link an issue: a zero-width
 *    joiner after `#` / `-`;
 *  - bare `https://…`, `www.…` and e-mail addresses would become links to a
 *    place the trace chose: a zero-width joiner before `:` and after `www`
 *    (the e-mail case is the `@` above);
 *  - bidi overrides and isolates (U+202A-202E, U+2066-2069, LRM/RLM/ALM) would
 *    reorder the text around them, and C0/C1 control characters act on
 *    terminals that display the file: dropped.
 * The text reads the same; only links, pings and reordering are gone.
 */
const ZWJ = "\u200d";

// C0 (except the whitespace the writers turn into spaces), DEL, C1, and the bidi controls
const CONTROLS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export function inertForPullRequest(text: string): string {
  return text
    .replace(CONTROLS, "")
    .replace(/@/g, `@${ZWJ}`)
    .replace(/#(?=\d)/g, `#${ZWJ}`)
    .replace(/\b(GH-)(?=\d)/gi, `$1${ZWJ}`)
    .replace(/:\/\//g, `${ZWJ}://`)
    .replace(/\b(www)\./gi, `$1${ZWJ}.`);
}
