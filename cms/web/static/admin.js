// The editors' page: plain JavaScript modules, no build step. It talks only to the
// public GraphQL API, with the editor's token kept in sessionStorage (never the URL).
const $ = (id) => document.getElementById(id);
const TOKEN_KEY = "cms-token";
let current = null; // the article being edited: { id, version, status }

async function gql(query, variables = {}) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const response = await fetch("/graphql", {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/graphql-response+json", Authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  if (response.status === 401) {
    signOut("Your token was refused (unknown, expired or revoked). Sign in again.");
    throw new Error("unauthenticated");
  }
  if (body.errors) throw new Error(body.errors.map((e) => `${e.message} (${e.extensions?.code})`).join("; "));
  return body.data;
}

function show(view) {
  for (const id of ["sign-in-view", "list-view", "edit-view", "upload-view"]) $(id).hidden = id !== view;
  $("sign-out").hidden = view === "sign-in-view";
}

function say(text, kind = "ok") {
  $("message").textContent = text;
  $("message").className = kind;
}

function signOut(reason = "") {
  sessionStorage.removeItem(TOKEN_KEY);
  $("who").textContent = reason;
  show("sign-in-view");
  $("token").focus();
}

async function signIn(event) {
  event.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, $("token").value.trim());
  $("token").value = "";
  try {
    await gql("{ articles(first: 1, orderBy: UPDATED_AT_DESC) { totalCount } }");
    $("who").textContent = "Signed in";
    await loadChoices();
    await listArticles();
  } catch (error) {
    if (error.message !== "unauthenticated") signOut(error.message);
  }
}

const ROW_FIELDS = "id title status version updatedAt";

async function listArticles(event) {
  event?.preventDefault();
  const status = $("status").value || null;
  const text = $("search").value.trim();
  const filter = status ? { status } : null;
  let nodes;
  if (text) {
    const data = await gql(`query($q: String!, $filter: ArticleFilter) { search(query: $q, first: 50, filter: $filter) { edges { node { ${ROW_FIELDS} } } } }`, { q: text, filter });
    nodes = data.search.edges.map((e) => e.node);
  } else {
    const data = await gql(`query($filter: ArticleFilter) { articles(first: 50, orderBy: UPDATED_AT_DESC, filter: $filter) { nodes { ${ROW_FIELDS} } } }`, { filter });
    nodes = data.articles.nodes;
  }
  const rows = $("articles");
  rows.replaceChildren();
  for (const node of nodes) {
    const row = rows.insertRow();
    const open = document.createElement("button");
    open.type = "button";
    open.textContent = node.title;
    open.addEventListener("click", () => openArticle(node.id));
    row.insertCell().append(open);
    row.insertCell().textContent = node.status;
    row.insertCell().textContent = node.version;
    row.insertCell().textContent = new Date(node.updatedAt).toLocaleString();
  }
  show("list-view");
}

function fillSelect(select, items, empty) {
  select.replaceChildren(new Option(empty, ""));
  for (const [value, label] of items) select.append(new Option(label, value));
}

async function loadChoices() {
  const data = await gql(`{ sections { slug name } categories { slug name } authors(first: 100) { nodes { slug name } }
    images(first: 100) { nodes { id title credit { line } } } licenses { code name } }`);
  fillSelect($("upload-license"), data.licenses.map((l) => [l.code, l.name]), "(choose the licence)");
  fillSelect($("section"), data.sections.map((s) => [s.slug, s.name]), "(no section)");
  fillSelect($("category"), data.categories.map((c) => [c.slug, c.name]), "(no category)");
  fillSelect($("lead-image"), data.images.nodes.map((i) => [i.id, `${i.title || "Untitled"} — ${i.credit.line}`]), "(no lead image)");
  $("author-slugs").replaceChildren(...data.authors.nodes.map((a) => new Option(a.name, a.slug)));
}

const ARTICLE_FIELDS = `id title slug summary bodyHtml status version publishedAt section { slug } category { slug }
  authors { slug } leadImage { id } revisions(first: 20) { edges { node { id version message savedBy createdAt } } }`;

function fillForm(article) {
  current = { id: article.id, version: article.version, status: article.status };
  $("title").value = article.title;
  $("slug").value = article.slug;
  $("summary").value = article.summary;
  $("body").value = article.bodyHtml;
  $("section").value = article.section?.slug ?? "";
  $("category").value = article.category?.slug ?? "";
  $("authors").value = article.authors.map((a) => a.slug).join(", ");
  $("lead-image").value = article.leadImage?.id ?? "";
  $("edit-title").textContent = `${article.title} — ${article.status}, version ${article.version}`;
  const list = $("revisions");
  list.replaceChildren();
  for (const { node } of article.revisions.edges) {
    const item = document.createElement("li");
    item.textContent = `Version ${node.version}: ${node.message} by ${node.savedBy || "unknown"}, ${new Date(node.createdAt).toLocaleString()} `;
    const revert = document.createElement("button");
    revert.type = "button";
    revert.textContent = `Revert to version ${node.version}`;
    revert.addEventListener("click", () => act("revertArticle", { revisionId: node.id }, "ID!"));
    item.append(revert);
    list.append(item);
  }
}

async function openArticle(id) {
  const data = await gql(`query($id: ID!) { node(id: $id) { ... on Article { ${ARTICLE_FIELDS} } } }`, { id });
  fillForm(data.node);
  $("mine").hidden = true;
  say("");
  show("edit-view");
  $("title").focus();
}

function newArticle() {
  current = null;
  $("editor").reset();
  $("revisions").replaceChildren();
  $("edit-title").textContent = "New article";
  $("mine").hidden = true;
  say("");
  show("edit-view");
  $("title").focus();
}

function formInput() {
  return {
    title: $("title").value,
    slug: $("slug").value || null,
    summary: $("summary").value,
    bodyHtml: $("body").value,
    sectionSlug: $("section").value || null,
    categorySlug: $("category").value || null,
    authorSlugs: $("authors").value.split(",").map((s) => s.trim()).filter(Boolean),
    leadImageId: $("lead-image").value || null,
  };
}

function report(payload, done) {
  if (payload.userErrors.length) {
    const conflict = payload.userErrors.find((e) => e.code === "CONFLICT");
    if (conflict) {
      current.latestVersion = conflict.currentVersion;
      say(`Someone else saved this article (now version ${conflict.currentVersion}). Your text is still in the form: ` +
          "copy what you need, or press “Reload latest” — your version will be kept below.", "error");
    } else {
      say(payload.userErrors.map((e) => `${e.field ?? ""}: ${e.message}`).join("; "), "error");
    }
    return false;
  }
  fillForm(payload.article);
  say(done);
  return true;
}

const PAYLOAD = `article { ${ARTICLE_FIELDS} } userErrors { field message code currentVersion }`;

async function save(event) {
  event.preventDefault();
  if (!current) {
    const data = await gql(`mutation($input: ArticleInput!) { createArticle(input: $input) { ${PAYLOAD} } }`, { input: formInput() });
    return report(data.createArticle, "Draft saved.");
  }
  const data = await gql(`mutation($id: ID!, $input: ArticleInput!, $v: Int!) { updateArticle(id: $id, input: $input, expectedVersion: $v) { ${PAYLOAD} } }`,
    { id: current.id, input: formInput(), v: current.version });
  return report(data.updateArticle, "Saved.");
}

async function act(mutation, extra = {}, extraType = "") {
  if (!current) return say("Save the draft first.", "error");
  const names = Object.keys(extra);
  const params = names.map((n) => `, $${n}: ${n === "at" ? "DateTime" : extraType}`).join("");
  const args = names.map((n) => `, ${n}: $${n}`).join("");
  const data = await gql(`mutation($id: ID!${params}) { ${mutation}(id: $id${args}) { ${PAYLOAD} } }`, { id: current.id, ...extra });
  report(data[mutation], `Done: ${data[mutation].article?.status ?? ""}`);
}

async function publish() {
  if (current && !(await save(new Event("submit")))) return;
  const when = $("publish-at").value;
  await act("publishArticle", when ? { at: new Date(when).toISOString() } : {});
}

async function reloadLatest() {
  if (!current) return;
  $("mine-title").value = $("title").value;
  $("mine-body").value = $("body").value;
  await openArticle(current.id);
  $("mine").hidden = false;
  $("mine").open = true;
  say("Latest version loaded; your unsaved text is kept below.", "ok");
}

function guard(handler) {
  return (event) => handler(event).catch((error) => error.message !== "unauthenticated" && say(error.message, "error"));
}

async function uploadImage(event) {
  event.preventDefault();
  const form = new FormData($("upload"));
  const file = form.get("file");
  const input = {};
  for (const name of ["title", "alt", "creator", "creatorUrl", "sourceName", "sourceUrl", "licenseCode"]) {
    input[name] = form.get(name) || null;
  }
  const operations = {
    query: `mutation($file: Upload!, $input: ImageInput!) { uploadImage(file: $file, input: $input) {
      image { id title credit { line } } userErrors { field message code } } }`,
    variables: { file: null, input },
  };
  const body = new FormData();
  body.append("operations", JSON.stringify(operations));
  body.append("map", JSON.stringify({ 0: ["variables.file"] }));
  body.append("0", file, file.name);
  const response = await fetch("/graphql", {
    method: "POST",
    headers: { Authorization: `Bearer ${sessionStorage.getItem(TOKEN_KEY)}` },
    body,
  });
  const result = await response.json();
  const message = $("upload-message");
  if (result.errors) {
    message.textContent = result.errors.map((e) => e.message).join("; ");
    message.className = "error";
    return;
  }
  const payload = result.data.uploadImage;
  if (payload.userErrors.length) {
    message.textContent = payload.userErrors.map((e) => `${e.field ?? ""}: ${e.message}`).join("; ");
    message.className = "error";
    return;
  }
  message.textContent = `Uploaded: ${payload.image.credit.line}`;
  message.className = "ok";
  $("upload").reset();
  await loadChoices();
}

$("sign-in").addEventListener("submit", guard(signIn));
$("new-image").addEventListener("click", () => { $("upload-message").textContent = ""; show("upload-view"); $("upload-file").focus(); });
$("upload").addEventListener("submit", guard(uploadImage));
$("upload-back").addEventListener("click", guard(listArticles));
$("sign-out").addEventListener("click", () => signOut("Signed out."));
$("filters").addEventListener("submit", guard(listArticles));
$("new-article").addEventListener("click", newArticle);
$("editor").addEventListener("submit", guard(save));
$("publish").addEventListener("click", guard(publish));
$("unpublish").addEventListener("click", guard(() => act("unpublishArticle")));
$("trash").addEventListener("click", guard(() => act("trashArticle")));
$("restore").addEventListener("click", guard(() => act("restoreArticle")));
$("reload").addEventListener("click", guard(reloadLatest));
$("back").addEventListener("click", guard(listArticles));

if (sessionStorage.getItem(TOKEN_KEY)) {
  guard(async () => { await loadChoices(); await listArticles(); })();
} else {
  show("sign-in-view");
}
