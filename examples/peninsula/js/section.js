// A section's articles, a page at a time, with Relay cursors: ?after= goes on, ?before= goes back.
import { page } from "./config.js";
import { query } from "./graphql.js";
import { html } from "./html.js";
import { fail, formatDate, render } from "./layout.js";

const PAGE_SIZE = 5;
const params = new URLSearchParams(location.search);
const slug = params.get("slug") ?? "the-peninsula";
const before = params.get("before");
const variables = before
  ? { slug, last: PAGE_SIZE, before }
  : { slug, first: PAGE_SIZE, after: params.get("after") };

try {
  const data = await query("SectionPage", variables);
  const { section, articles } = data;
  render(data, section?.name);
  if (!section) throw new Error(`there is no section "${slug}"`);
  const { pageInfo } = articles;
  document.querySelector("#content").innerHTML = html`
    <h1>${section.name}</h1>
    <p class="description">${section.description}</p>
    <p class="count">${articles.totalCount} articles</p>
    <ol class="listing">
      ${articles.edges.map(({ node }) => html`
        <li>
          <h2><a href="${page("article.html", { slug: node.slug })}">${node.title}</a></h2>
          <p class="meta">${formatDate(node.publishedAt, data.site)} · ${node.category?.name} ·
            ${node.authors.map((a) => a.name).join(", ")}</p>
          <p>${node.summary}</p>
        </li>`)}
    </ol>
    <nav class="pager" aria-label="Pages">
      ${pageInfo.hasPreviousPage && html`
        <a rel="prev" href="${page("section.html", { slug, before: pageInfo.startCursor })}">Newer articles</a>`}
      ${pageInfo.hasNextPage && html`
        <a rel="next" href="${page("section.html", { slug, after: pageInfo.endCursor })}">Older articles</a>`}
    </nav>`;
} catch (error) {
  fail(error);
}
