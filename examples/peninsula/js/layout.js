// What every page shares: the masthead, the footer (search, the index count, the site's
// mailing list), dates in the site's time zone, sign-up forms and error messages.
import { api, page } from "./config.js";
import { mutate } from "./graphql.js";
import { html } from "./html.js";

/** "March 17, 2021": written in the site's language and time zone (the API speaks UTC). */
export function formatDate(iso, site) {
  const format = new Intl.DateTimeFormat(site.language, { dateStyle: "long", timeZone: site.timeZone });
  return format.format(new Date(iso));
}

export function signup(heading, lists, source) {
  return html`
    <form class="signup" data-lists="${lists.join(" ")}" data-source="${source}">
      <h2>${heading}</h2>
      <label>Email address <input type="email" name="email" autocomplete="email" required></label>
      <button type="submit">Subscribe</button>
      <p class="status" role="status"></p>
    </form>`;
}

export function searchForm() {
  return html`
    <form class="search" action="search.html" role="search">
      <h2><label for="q">Search All Site Content</label></h2>
      <input id="q" name="q" type="search" required
             value="${new URLSearchParams(location.search).get("q") ?? ""}">
      ${api && html`<input type="hidden" name="api" value="${api}">`}
      <button type="submit">Search</button>
    </form>`;
}

/** Fill in the masthead and footer from the page's answer. */
export function render(data, title) {
  const { site, stats, sections } = data;
  document.documentElement.lang = site.language;
  document.title = title ? `${title} · ${site.name}` : site.name;
  const count = stats.totalPublications;
  document.querySelector("#masthead").innerHTML = html`
    <p class="site-name"><a href="${page("index.html")}">${site.name}</a></p>
    ${site.description && html`<p class="tagline">${site.description}</p>`}
    <nav aria-label="Sections">
      ${sections.map((s) => html`<a href="${page("section.html", { slug: s.slug })}">${s.name}</a>`)}
    </nav>`;
  document.querySelector("#colophon").innerHTML = html`
    ${searchForm()}
    <p class="index">Total Index: ${count} publication${count === 1 ? "" : "s"}</p>
    ${signup("Subscribe to our Mailing List!", ["site"], "peninsula-footer")}`;
}

// Every sign-up form, wherever a page puts it, sends `subscribe`.
document.addEventListener("submit", async (event) => {
  const form = event.target;
  if (!form.matches("form.signup")) return;
  event.preventDefault();
  const status = form.querySelector(".status");
  const button = form.querySelector("button");
  button.disabled = true;
  status.textContent = "Sending…";
  try {
    const { subscribe: result } = await mutate("Subscribe", {
      email: form.elements.email.value,
      lists: form.dataset.lists.split(" "),
      source: form.dataset.source,
    });
    status.textContent = result.ok
      ? "Thank you! Please check your inbox: we sent you a link to confirm your subscription."
      : result.userErrors.map((e) => e.message).join(" ");
    if (result.ok) form.reset();
  } catch (error) {
    status.textContent = `Sorry, that did not work: ${error.message}`;
  } finally {
    button.disabled = false;
  }
});

/** Show what went wrong in place of the page's content. */
export function fail(error) {
  document.querySelector("#content").innerHTML = html`
    <p class="error">Sorry, this page could not be loaded: ${error.message}</p>`;
  console.error(error);
}
