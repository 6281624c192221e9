/**
 * Putting data into the HTML page safely. Trace strings never become markup:
 * they travel as JSON inside <script type="application/json"> and the client
 * renders them with textContent. The few strings the page shell itself shows
 * (the <title>) go through escapeHtml.
 */

/**
 * JSON that is safe inside a <script> element: `<`, `>` and `&` become \u escapes
 * (so "</script>" or "<!--" in a kernel name cannot end the element), and so do
 * U+2028/U+2029. Non-finite numbers become null, as in summary.json.
 */
export function scriptSafeJson(value: unknown): string {
  const json = JSON.stringify(value, (_k, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? null : v)) ?? "null";
  return json.replace(/[<>&\u2028\u2029]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** A data block the client reads with JSON.parse(element.textContent). */
export function jsonScript(id: string, value: unknown): string {
  return `<script type="application/json" id="${escapeHtml(id)}">${scriptSafeJson(value)}</script>`;
}

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Text for element content or a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch]!);
}
