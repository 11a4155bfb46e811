// The article page: article.html?slug=SLUG (the CMS's default canonical URLs point here).
import { page } from "./config.js";
import { query } from "./graphql.js";
import { html, raw } from "./html.js";
import { fail, formatDate, render, signup } from "./layout.js";

const slug = new URLSearchParams(location.search).get("slug") ?? "";

/** The API's credit line, with the licence's name in it linked to the licence's deed. */
function credit({ line, license }) {
  const at = license.url ? line.lastIndexOf(license.name) : -1;
  if (at < 0) return line;
  const [before, after] = [line.slice(0, at), line.slice(at + license.name.length)];
  return html`${before}<a rel="license" href="${license.url}">${license.name}</a>${after}`;
}

function lead(image) {
  if (!image) return "";
  return html`
    <figure class="lead">
      <img src="${image.url}" srcset="${image.srcSet}" sizes="(min-width: 50rem) 46rem, 100vw"
           width="${image.width}" height="${image.height}" alt="${image.alt}">
      <figcaption class="credit">${credit(image.credit)}</figcaption>
    </figure>`;
}

function canonical(article) {
  const link = document.createElement("link");
  link.rel = "canonical";
  link.href = article.url;
  const data = document.createElement("script");
  data.type = "application/ld+json";
  data.textContent = JSON.stringify(article.jsonLd);
  document.head.append(link, data);
  if (article.slug !== slug) history.replaceState(null, "", page("article.html", { slug: article.slug }));
}

try {
  const data = await query("Article", { slug });
  const { article, site } = data;
  render(data, article?.title);
  if (!article) throw new Error(`there is no article at "${slug}"`);
  canonical(article);
  const { section } = article;
  document.querySelector("#content").innerHTML = html`
    <article>
      <h1>${article.title}</h1>
      <p class="meta">
        <span class="published">Published ${formatDate(article.publishedAt, site)}</span>
        ${article.category && html`<span class="category">Category: ${article.category.name}</span>`}
      </p>
      ${lead(article.leadImage)}
      <div class="body">${raw(article.bodyHtml)}</div>
      <footer class="authors">
        ${article.authors.map((a) => html`<p class="bio">${a.bio || a.name}</p>`)}
      </footer>
      ${section && html`
        <p class="return"><a href="${page("section.html", { slug: section.slug })}">Return to ${section.name}</a></p>`}
    </article>
    <aside class="updates">
      ${signup("Register to receive updates", [section ? section.slug : "site"], "peninsula-article")}
    </aside>`;
} catch (error) {
  fail(error);
}
