// A tagged template that escapes what it interpolates: html`<h1>${title}</h1>`.
// Arrays are joined; raw() marks HTML the API has already made safe (bodyHtml, snippets).

class Html {
  constructor(text) {
    this.text = text;
  }
  toString() {
    return this.text;
  }
}

const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

function piece(value) {
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(piece).join("");
  if (value === null || value === undefined || value === false) return "";
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

export function html(strings, ...values) {
  return new Html(strings.reduce((out, string, i) => out + piece(values[i - 1]) + string));
}

export const raw = (text) => new Html(String(text ?? ""));
