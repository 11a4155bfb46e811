// The editors' page: plain ES modules, no build step, nothing from elsewhere. Everything goes
// through the public GraphQL API with the editor's token (sessionStorage: this tab only).
import { gql, token, Unauthenticated } from "./admin-api.js";
import * as articles from "./admin-articles.js";
import { $, say } from "./admin-dom.js";
import * as media from "./admin-media.js";
import * as taxonomy from "./admin-taxonomy.js";

const VIEWS = ["sign-in-view", "list-view", "edit-view", "media-view", "taxonomy-view"];

const app = {
  viewer: null, sections: [], categories: [], authors: [], licenses: [],
  may: (action) => app.viewer?.permissions.includes(action) ?? false,
  fail(error) {
    if (error instanceof Unauthenticated) return signOut(error.message);
    const target = VIEWS.map($).find((v) => !v.hidden)?.querySelector(".message");
    if (target) say(target, error.message, "error");
    else console.error(error);
  },
  guard: (handler) => (...args) => Promise.resolve().then(() => handler(...args)).catch(app.fail),
  async reloadChoices() {
    const data = await gql("{ sections { slug name } categories { slug name } authors(first: 100) { nodes { slug name } } licenses { code name } }");
    Object.assign(app, { sections: data.sections, categories: data.categories, authors: data.authors.nodes, licenses: data.licenses });
    articles.fillFilters();
  },
};

function show(view) {
  for (const id of VIEWS) $(id).hidden = id !== view;
  const signedIn = view !== "sign-in-view";
  $("nav").hidden = !signedIn;
  $("sign-out").hidden = !signedIn;
  const here = location.hash.split("/")[0] || "#articles";
  for (const link of $("nav").querySelectorAll("a")) {
    const current = link.getAttribute("href") === (here === "#new" || here === "#article" ? "#articles" : here);
    if (current) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

function signOut(reason = "") {
  token.clear();
  app.viewer = null;
  $("who").textContent = "";
  say($("sign-in-message"), reason, reason && reason !== "Signed out." ? "error" : "ok");
  show("sign-in-view");
  $("token").focus();
}

async function start() {
  const data = await gql("{ viewer { name role permissions } }");
  if (!data.viewer) throw new Unauthenticated("Sign in with a token.");
  if (data.viewer.role === "PARTNER") throw new Unauthenticated("Partner tokens cannot use the editors' page: ask for an editor or author token.");
  app.viewer = data.viewer;
  $("who").textContent = `Signed in as ${data.viewer.name} (${data.viewer.role.toLowerCase()})`;
  await app.reloadChoices();
  await route();
}

async function route() {
  if (!app.viewer) return;
  const [where, id] = location.hash.replace(/^#/, "").split("/");
  document.title = "CMS admin";
  if (where === "new" || where === "article") {
    // Shown only once filled: nothing typed lands in a form that is still loading.
    await articles.openArticle(where === "new" ? null : decodeURIComponent(id));
    show("edit-view");
    $("title").focus();
    return;
  } else if (where === "media") {
    show("media-view");
    await media.showMedia();
  } else if (["authors", "sections", "categories"].includes(where)) {
    show("taxonomy-view");
    await taxonomy.showTaxonomy(where);
  } else {
    show("list-view");
    await articles.showList();
  }
  $("main").focus({ preventScroll: true });
}

articles.setup(app);
media.setup(app);
taxonomy.setup(app);

$("sign-in").addEventListener("submit", (event) => {
  event.preventDefault();
  token.set($("token").value.trim());
  $("token").value = "";
  app.guard(start)();
});
$("sign-out").addEventListener("click", () => signOut("Signed out."));
addEventListener("hashchange", app.guard(route));

if (token.get()) app.guard(start)();
else show("sign-in-view");
