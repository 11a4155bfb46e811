// Search results: snippets with the hits marked, facets to narrow by section, category or year.
import { page } from "./config.js";
import { query } from "./graphql.js";
import { html, raw } from "./html.js";
import { fail, formatDate, render } from "./layout.js";

const PAGE_SIZE = 10;
const params = new URLSearchParams(location.search);
const q = params.get("q") ?? "";
const chosen = { section: params.get("section"), category: params.get("category"), year: params.get("year") };

function filter({ section, category, year }) {
  return {
    section,
    category,
    publishedAfter: year ? `${year}-01-01T00:00:00Z` : null,
    publishedBefore: year ? `${Number(year) + 1}-01-01T00:00:00Z` : null,
  };
}

/** The search page with one facet chosen, or let go when it is the one already chosen. */
function narrowed(kind, value) {
  return page("search.html", { q, ...chosen, [kind]: chosen[kind] === value ? null : value });
}

function facet(title, kind, counts) {
  if (!counts.length) return "";
  return html`
    <section class="facet">
      <h3>${title}</h3>
      <ul>
        ${counts.map((c) => html`
          <li><a href="${narrowed(kind, c.value)}"${chosen[kind] === c.value && raw(' aria-current="true"')}>${c.label}</a>
            <span class="n">${c.count}</span></li>`)}
      </ul>
    </section>`;
}

async function show() {
  const data = await query("Search", {
    query: q, first: PAGE_SIZE, after: params.get("after"), filter: filter(chosen),
  });
  const { search } = data;
  render(data, `Search: ${q}`);
  document.querySelector("#content").innerHTML = html`
    <h1>Search results for “${q}”</h1>
    <p class="count">${search.totalCount} result${search.totalCount === 1 ? "" : "s"}</p>
    <div class="results">
      <aside class="facets" aria-label="Narrow the results">
        ${facet("Sections", "section", search.facets.sections)}
        ${facet("Categories", "category", search.facets.categories)}
        ${facet("Years", "year", search.facets.years)}
      </aside>
      <ol class="listing">
        ${search.edges.map(({ node, snippet }) => html`
          <li>
            <h2><a href="${page("article.html", { slug: node.slug })}">${node.title}</a></h2>
            <p class="meta">${node.section?.name} · ${formatDate(node.publishedAt, data.site)}</p>
            <p class="snippet">${raw(snippet)}</p>
          </li>`)}
      </ol>
    </div>
    <nav class="pager" aria-label="Pages">
      ${params.get("after") && html`<a href="${page("search.html", { q, ...chosen })}">First results</a>`}
      ${search.pageInfo.hasNextPage && html`
        <a rel="next" href="${page("search.html", { q, ...chosen, after: search.pageInfo.endCursor })}">More results</a>`}
    </nav>`;
}

if (!q) location.replace(page("index.html")); // the search box is on every page
else show().catch(fail);
