// Search-as-you-type pickers for authors and images (the byline, lead images, author photos).
import { gql } from "./admin-api.js";
import { debounce, h } from "./admin-dom.js";

export const THUMB = "url(width: 320)";

export async function findAuthors(text) {
  const data = await gql("query($q: String) { authors(first: 10, search: $q) { nodes { slug name affiliation } } }", { q: text || null });
  return data.authors.nodes;
}

export async function findImages(text, first = 8) {
  const data = await gql(`query($q: String, $first: Int) { images(first: $first, search: $q) { nodes {
    id title alt ${THUMB} credit { line } } } }`, { q: text || null, first });
  return data.images.nodes;
}

// Wire a search box to a results list; pick(item) is called when the editor chooses one.
export function picker({ input, results, find, describe, pick, onError }) {
  const run = debounce(async () => {
    try {
      const items = await find(input.value.trim());
      results.replaceChildren(...items.map((item) => {
        const { label, text, thumb } = describe(item);
        const button = h("button", { type: "button", "aria-label": label, onclick: () => { pick(item); results.replaceChildren(); input.value = ""; } },
          thumb ? h("img", { src: thumb, alt: "", loading: "lazy" }) : null, h("span", { text }));
        return h("li", {}, button);
      }));
      if (!items.length) results.replaceChildren(h("li", { class: "hint", text: "Nothing matches." }));
    } catch (error) {
      onError(error);
    }
  }, 250);
  input.addEventListener("input", run);
  input.addEventListener("focus", run);
}
