// The front page: the newest articles of every section, the first one large.
import { page } from "./config.js";
import { query } from "./graphql.js";
import { html } from "./html.js";
import { fail, formatDate, render } from "./layout.js";

function card(article, site) {
  const image = article.leadImage;
  return html`
    <article class="card">
      ${image && html`<img src="${image.url}" alt="${image.alt}" loading="lazy">`}
      <h2><a href="${page("article.html", { slug: article.slug })}">${article.title}</a></h2>
      <p class="meta">${article.section?.name} · ${formatDate(article.publishedAt, site)} ·
        ${article.authors.map((a) => a.name).join(", ")}</p>
      <p>${article.summary}</p>
    </article>`;
}

try {
  const data = await query("FrontPage", { first: 7 });
  render(data);
  const articles = data.articles.edges.map((edge) => edge.node);
  document.querySelector("#content").innerHTML = html`
    <h1 class="visually-hidden">${data.site.name}</h1>
    <div class="cards">${articles.map((article) => card(article, data.site))}</div>
    <section class="sections">
      <h2>Sections</h2>
      ${data.sections.map((s) => html`
        <p><a href="${page("section.html", { slug: s.slug })}">${s.name}</a>: ${s.description}</p>`)}
    </section>`;
} catch (error) {
  fail(error);
}
