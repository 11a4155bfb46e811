// HTML (as the sanitiser stores it) to Markdown, for editing a stored body as Markdown.
// Returns null when the body uses markup Markdown cannot express (tables, figures, underline,
// image sizes ...): the editor then stays in HTML, so nothing is lost on the way back.
// The caller still checks the round trip against the server's own rendering.

const INLINE = { STRONG: "**", B: "**", EM: "*", I: "*" };

class Unsupported extends Error {}

function escapeText(text) {
  return text.replace(/([\\`*_[\]<>#!|])/g, "\\$1").replace(/^(\s*)([-+]|\d+[.)])(\s)/, "$1\\$2$3");
}

function inline(node) {
  let out = "";
  for (const child of node.childNodes) {
    if (child.nodeType === Node.TEXT_NODE) {
      out += escapeText(child.textContent.replace(/\s+/g, " "));
    } else if (child.nodeType === Node.ELEMENT_NODE) {
      const tag = child.tagName;
      if (INLINE[tag]) out += `${INLINE[tag]}${inline(child)}${INLINE[tag]}`;
      else if (tag === "CODE") {
        if (child.children.length) throw new Unsupported(tag);
        out += `\`${child.textContent}\``;
      } else if (tag === "A") {
        if ([...child.attributes].some((a) => !["href", "rel", "title"].includes(a.name))) throw new Unsupported(tag);
        const title = child.getAttribute("title");
        out += `[${inline(child)}](${child.getAttribute("href") ?? ""}${title ? ` "${title.replace(/"/g, '\\"')}"` : ""})`;
      } else if (tag === "BR") out += "\\\n";
      else if (tag === "IMG") {
        if (child.hasAttribute("width") || child.hasAttribute("height")) throw new Unsupported(tag);
        out += `![${escapeText(child.getAttribute("alt") ?? "")}](${child.getAttribute("src")})`;
      } else throw new Unsupported(tag);
    }
  }
  return out;
}

function block(node, prefix = "") {
  const parts = [];
  for (const child of node.childNodes) {
    if (child.nodeType === Node.TEXT_NODE) {
      if (child.textContent.trim()) throw new Unsupported("text outside a paragraph");
      continue;
    }
    if (child.nodeType !== Node.ELEMENT_NODE) continue;
    const tag = child.tagName;
    if (tag === "P") parts.push(inline(child).trim());
    else if (/^H[2-4]$/.test(tag)) parts.push(`${"#".repeat(Number(tag[1]))} ${inline(child).trim()}`);
    else if (tag === "HR") parts.push("---");
    else if (tag === "BLOCKQUOTE") parts.push(block(child).split("\n").map((line) => (line ? `> ${line}` : ">")).join("\n"));
    else if (tag === "PRE") {
      const code = child.firstElementChild;
      if (!code || code.tagName !== "CODE" || child.children.length !== 1 || code.attributes.length) throw new Unsupported(tag);
      if (code.textContent.includes("```")) throw new Unsupported(tag);
      parts.push("```\n" + code.textContent.replace(/\n$/, "") + "\n```");
    } else if (tag === "UL" || tag === "OL") {
      const items = [...child.children].map((li, index) => {
        if (li.tagName !== "LI") throw new Unsupported(tag);
        const marker = tag === "UL" ? "- " : `${index + 1}. `;
        const body = li.querySelector(":scope > p, :scope > ul, :scope > ol") ? block(li) : inline(li).trim();
        return marker + body.split("\n").join("\n" + " ".repeat(marker.length));
      });
      parts.push(items.join("\n"));
    } else throw new Unsupported(tag);
  }
  return parts.join("\n\n");
}

export function htmlToMarkdown(html) {
  const template = document.createElement("template");
  template.innerHTML = html;
  try {
    return block(template.content);
  } catch (error) {
    if (error instanceof Unsupported) return null;
    throw error;
  }
}

// Markup compared without the whitespace between blocks, which carries no meaning in a body.
export function sameMarkup(a, b) {
  const norm = (html) => html.replace(/>\s+</g, "><").replace(/\s+/g, " ").trim();
  return norm(a) === norm(b);
}
