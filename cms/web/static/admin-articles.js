// The article list and the editor: drafts, pending changes, scheduling, the conflict merge.
import { gql, problems } from "./admin-api.js";
import { $, debounce, h, localInput, say, when } from "./admin-dom.js";
import { htmlToMarkdown, sameMarkup } from "./admin-markdown.js";
import { diffWords, mergeFields } from "./admin-merge.js";
import { findAuthors, findImages, picker, THUMB } from "./admin-pickers.js";

const PAGE = 20;
const FIELDS = ["title", "slug", "summary", "body", "sectionSlug", "categorySlug", "authorSlugs", "leadImageId"];
const LABELS = { title: "Title", slug: "Slug", summary: "Summary", body: "Body", sectionSlug: "Section", categorySlug: "Category", authorSlugs: "Byline", leadImageId: "Lead image" };
const STATUS = { DRAFT: "Draft", SCHEDULED: "Scheduled", PUBLISHED: "Published", ARCHIVED: "Archived", TRASHED: "In the trash" };
const CORE = `id title slug summary bodyHtml status version liveVersion hasUnpublishedChanges publishedAt updatedAt url
  section { slug name } category { slug name } authors { slug name }
  leadImage { id title alt ${THUMB} credit { line } }`;
const ARTICLE = `${CORE} revisions(first: 50) { nodes { id version message savedBy createdAt } }`;
const PAYLOAD = `article { ${ARTICLE} } userErrors { field message code currentVersion }`;

let app; // shared with admin.js: { viewer, sections, categories, may(action), fail(error) }
let doc = null; // the article as last loaded (null: a new one)
let base = null; // the form's values when loaded: what "changed" is measured against
let byline = []; // [{ slug, name }]
let lead = null; // { id, title, url, credit }
let format = "markdown";
let mine = null; // during a merge: everything the editor had typed

// ---- the list ---------------------------------------------------------------------------

const list = { pages: [null], index: 0 };

export function setup(shared) {
  app = shared;
  $("filters").addEventListener("submit", (event) => { event.preventDefault(); list.pages = [null]; list.index = 0; app.guard(showList)(); });
  $("next-page").addEventListener("click", app.guard(() => { list.index += 1; return showList(); }));
  $("prev-page").addEventListener("click", app.guard(() => { list.index -= 1; return showList(); }));
  $("editor").addEventListener("submit", (event) => { event.preventDefault(); app.guard(save)(); });
  $("publish").addEventListener("click", app.guard(publishNow));
  $("schedule-button").addEventListener("click", app.guard(schedule));
  $("cancel-schedule").addEventListener("click", app.guard(() => step("unpublishArticle", "Schedule cancelled: the article is a draft again.")));
  $("unpublish").addEventListener("click", app.guard(() => step("unpublishArticle", "Unpublished: the article is a draft again.")));
  $("trash").addEventListener("click", app.guard(() => step("trashArticle", "Moved to the trash.")));
  $("restore").addEventListener("click", app.guard(() => step("restoreArticle", "Restored from the trash as a draft.")));
  $("preview-link").addEventListener("click", app.guard(previewLink));
  for (const radio of document.querySelectorAll('input[name="format"]')) radio.addEventListener("change", app.guard(() => switchFormat(radio.value)));
  $("body").addEventListener("input", debounce(app.guard(refreshPreview), 300));
  for (const id of ["title", "slug", "summary", "body", "section", "category", "publish-at"]) $(id).addEventListener("input", remember);
  picker({
    input: $("author-search"), results: $("author-results"), find: findAuthors, onError: app.fail,
    describe: (a) => ({ label: `Add ${a.name} to the byline`, text: a.affiliation ? `${a.name} (${a.affiliation})` : a.name }),
    pick: (a) => { if (!byline.some((b) => b.slug === a.slug)) byline.push({ slug: a.slug, name: a.name }); drawByline(); remember(); $("author-search").focus(); },
  });
  picker({
    input: $("lead-search"), results: $("lead-results"), find: (q) => findImages(q), onError: app.fail,
    describe: (i) => ({ label: `Use ${i.title || "untitled image"} as lead image`, text: i.title || "Untitled", thumb: i.url }),
    pick: (i) => { lead = { id: i.id, title: i.title, url: i.url, credit: i.credit.line }; drawLead(); remember(); },
  });
  addEventListener("beforeunload", (event) => { if (dirty()) event.preventDefault(); });
}

export function fillFilters() {
  const options = (items, empty) => [new Option(empty, ""), ...items.map((i) => new Option(i.name, i.slug))];
  $("filter-section").replaceChildren(...options(app.sections, "All sections"));
  $("filter-category").replaceChildren(...options(app.categories, "All categories"));
  $("filter-author").replaceChildren(...options(app.authors, "All authors"));
  $("section").replaceChildren(...options(app.sections, "(no section)"));
  $("category").replaceChildren(...options(app.categories, "(no category)"));
}

export async function showList() {
  const filter = {};
  for (const [key, id] of [["status", "filter-status"], ["section", "filter-section"], ["category", "filter-category"], ["author", "filter-author"]]) {
    if ($(id).value) filter[key] = $(id).value;
  }
  const text = $("filter-search").value.trim();
  const after = list.pages[list.index];
  const rowFields = "id title status publishedAt updatedAt hasUnpublishedChanges section { name } authors { name }";
  let found;
  if (text) {
    const data = await gql(`query($q: String!, $after: String, $filter: ArticleFilter) { search(query: $q, first: ${PAGE}, after: $after, filter: $filter) {
      totalCount pageInfo { hasNextPage endCursor } edges { node { ${rowFields} } } } }`, { q: text, after, filter });
    found = { ...data.search, nodes: data.search.edges.map((e) => e.node) };
  } else {
    const data = await gql(`query($after: String, $filter: ArticleFilter) { articles(first: ${PAGE}, after: $after, filter: $filter, orderBy: UPDATED_AT_DESC) {
      totalCount pageInfo { hasNextPage endCursor } nodes { ${rowFields} } } }`, { after, filter });
    found = data.articles;
  }
  list.pages[list.index + 1] = found.pageInfo.endCursor;
  $("articles").replaceChildren(...found.nodes.map((a) => h("tr", {},
    h("td", {}, h("a", { href: `#article/${a.id}`, text: a.title })),
    h("td", { text: STATUS[a.status] + (a.hasUnpublishedChanges ? ", changes pending" : "") }),
    h("td", { text: a.section?.name ?? "" }),
    h("td", { text: a.authors.map((x) => x.name).join(", ") }),
    h("td", {}, a.publishedAt ? h("time", { datetime: a.publishedAt, text: when(a.publishedAt) }) : ""),
    h("td", {}, h("time", { datetime: a.updatedAt, text: when(a.updatedAt) })),
  )));
  const pages = Math.max(1, Math.ceil(found.totalCount / PAGE));
  $("page-info").textContent = `Page ${list.index + 1} of ${pages} (${found.totalCount} ${found.totalCount === 1 ? "article" : "articles"})`;
  $("prev-page").disabled = list.index === 0;
  $("next-page").disabled = !found.pageInfo.hasNextPage;
  say($("list-message"), found.nodes.length ? "" : "No articles match.");
}

// ---- the editor -------------------------------------------------------------------------

function values() {
  return {
    title: $("title").value, slug: $("slug").value, summary: $("summary").value, body: $("body").value,
    sectionSlug: $("section").value || null, categorySlug: $("category").value || null,
    authorSlugs: byline.map((a) => a.slug), leadImageId: lead?.id ?? null,
  };
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

function dirty() {
  if (base === null) return false;
  const now = values();
  return base.format !== format || FIELDS.some((field) => !same(now[field], base[field]));
}

// The fields that differ from what was loaded, as ArticleInput.
function changes() {
  const now = values();
  const input = {};
  for (const field of FIELDS) {
    if (base && same(now[field], base[field]) && !(field === "body" && base.format !== format)) continue;
    if (field === "body") input[format === "markdown" ? "bodyMarkdown" : "bodyHtml"] = now.body;
    else if (field === "slug") input.slug = now.slug || null;
    else input[field] = now[field];
  }
  if (!doc && !input.slug) delete input.slug;
  return input;
}

const unsavedKey = () => `cms-unsaved:${doc?.id ?? "new"}`;

// Every keystroke is kept in this tab until it is saved, so leaving the page loses nothing.
function remember() {
  if (base === null) return;
  if (!dirty()) return sessionStorage.removeItem(unsavedKey());
  sessionStorage.setItem(unsavedKey(), JSON.stringify({ version: doc?.version ?? 0, base, values: values(), format, byline, lead }));
}

function setFormat(value) {
  format = value;
  $(value === "markdown" ? "format-markdown" : "format-html").checked = true;
  $("body-label").textContent = value === "markdown" ? "Body (Markdown)" : "Body (HTML)";
  $("body-hint").textContent = value === "markdown"
    ? "Markdown: ## heading, *italic*, **bold**, [link](https://…), - list. The preview shows what readers get."
    : "HTML: p, h2–h4, a, em, strong, lists, blockquote, figure, img from the media library, tables. Anything else is removed.";
}

async function sourceFor(html) {
  // Markdown when the stored HTML comes back unchanged from its Markdown, else HTML.
  if (!html.trim()) return { format: "markdown", text: "" };
  const markdown = htmlToMarkdown(html);
  if (markdown !== null) {
    const data = await gql("query($md: String) { bodyPreview(bodyMarkdown: $md) { html } }", { md: markdown });
    if (sameMarkup(data.bodyPreview.html, html)) return { format: "markdown", text: markdown };
  }
  return { format: "html", text: html };
}

async function switchFormat(value) {
  const text = $("body").value;
  if (value === "html") {
    if (text.trim()) $("body").value = (await preview({ bodyMarkdown: text })).html;
    setFormat("html");
  } else {
    const html = (await preview({ bodyHtml: text })).html;
    const source = await sourceFor(html);
    if (source.format !== "markdown") {
      setFormat("html");
      return say($("message"), "This body uses markup that Markdown cannot express (a table, a figure, image sizes …): it stays HTML, so nothing is lost.", "error");
    }
    $("body").value = source.text;
    setFormat("markdown");
  }
  remember();
  await refreshPreview();
}

async function preview(body) {
  const data = await gql("query($html: String, $md: String) { bodyPreview(bodyHtml: $html, bodyMarkdown: $md) { html removed readingTimeMinutes } }",
    { html: body.bodyHtml ?? null, md: body.bodyMarkdown ?? null });
  return data.bodyPreview;
}

async function refreshPreview() {
  const text = $("body").value;
  const made = await preview(format === "markdown" ? { bodyMarkdown: text } : { bodyHtml: text });
  // The server sanitised this HTML; the page's CSP would stop a script even if it had not.
  $("preview").innerHTML = made.html || '<p class="hint">Nothing to preview yet.</p>';
  $("removed").replaceChildren(...made.removed.map((note) => h("li", { text: `Removed when saving: ${note}` })));
  $("preview-title").textContent = `Preview (${made.readingTimeMinutes} min read)`;
}

function drawByline() {
  $("byline-list").replaceChildren(...byline.map((author, index) => h("li", {},
    h("span", { text: author.name }),
    index > 0 ? h("button", { type: "button", class: "small", "aria-label": `Move ${author.name} up`, text: "Up",
      onclick: () => { byline.splice(index - 1, 0, byline.splice(index, 1)[0]); drawByline(); remember(); } }) : null,
    h("button", { type: "button", class: "small", "aria-label": `Remove ${author.name} from the byline`, text: "Remove",
      onclick: () => { byline.splice(index, 1); drawByline(); remember(); } }),
  )));
  if (!byline.length) $("byline-list").replaceChildren(h("li", { class: "hint", text: "No author yet: publishing needs one." }));
}

function drawLead() {
  if (!lead) return $("lead-current").replaceChildren(h("p", { class: "hint", text: "No lead image." }));
  $("lead-current").replaceChildren(
    h("figure", {}, h("img", { src: lead.url, alt: lead.title ? `Lead image: ${lead.title}` : "Lead image" }), h("figcaption", { text: lead.credit })),
    h("button", { type: "button", class: "small", text: "Remove lead image", onclick: () => { lead = null; drawLead(); remember(); } }),
  );
}

function drawState() {
  const status = doc?.status;
  const live = status === "PUBLISHED";
  const scheduled = status === "SCHEDULED";
  const publisher = app.may("article.publish");
  $("edit-title").textContent = doc ? doc.title : "New article";
  $("edit-state").textContent = !doc ? "Not saved yet."
    : `${STATUS[status]}${scheduled ? ` for ${when(doc.publishedAt)}` : ""}${live ? ` since ${when(doc.publishedAt)}` : ""}, version ${doc.version}`
      + (doc.hasUnpublishedChanges ? ` — changes saved but not yet public (the public sees version ${doc.liveVersion})` : "");
  const show = (id, visible) => { $(id).hidden = !visible; };
  show("unpublish", publisher && live);
  show("trash", publisher && Boolean(doc) && status !== "TRASHED");
  show("restore", publisher && status === "TRASHED");
  show("preview-link", Boolean(doc) && status !== "TRASHED" && app.may("article.preview_link"));
  show("publish", publisher && status !== "TRASHED");
  show("schedule", publisher && !live && status !== "TRASHED");
  show("cancel-schedule", scheduled);
  $("publish").textContent = live ? "Publish changes" : "Publish now";
  $("schedule-button").textContent = scheduled ? "Change schedule" : "Schedule";
  $("schedule-state").textContent = scheduled ? `Scheduled for ${when(doc.publishedAt)}.` : "Not scheduled.";
  $("publish-at-label").textContent = scheduled ? "Scheduled for" : "Schedule for";
  $("publish-at").value = scheduled ? localInput(doc.publishedAt) : "";
  // Say what Save does: on a live article it keeps the public version and saves pending changes.
  $("save").textContent = !doc || status === "DRAFT" ? "Save draft" : live ? "Save as pending changes" : "Save";
  $("save-hint").textContent = live
    ? "The public keeps seeing the published version until the changes are published."
    : scheduled ? "Saved changes go public at the scheduled time." : "";
  const revisions = doc?.revisions.nodes ?? [];
  $("revisions").replaceChildren(...revisions.map((r) => h("li", {},
    h("span", { text: `Version ${r.version}: ${r.message} by ${r.savedBy || "unknown"}, ${when(r.createdAt)}` }),
    r.version === doc.version ? h("span", { class: "tag", text: "current" })
      : h("button", { type: "button", class: "small", text: `Revert to version ${r.version}`, onclick: app.guard(() => revert(r)) }),
  )));
}

async function fill(article, { keepMessage = false } = {}) {
  doc = article;
  let source = { format: "markdown", text: "" };
  if (article) source = await sourceFor(article.bodyHtml);
  $("title").value = article?.title ?? "";
  $("slug").value = article?.slug ?? "";
  $("summary").value = article?.summary ?? "";
  $("body").value = source.text;
  setFormat(source.format);
  $("section").value = article?.section?.slug ?? "";
  $("category").value = article?.category?.slug ?? "";
  byline = (article?.authors ?? []).map((a) => ({ slug: a.slug, name: a.name }));
  lead = article?.leadImage ? { id: article.leadImage.id, title: article.leadImage.title, url: article.leadImage.url, credit: article.leadImage.credit.line } : null;
  base = { ...values(), format: source.format };
  drawByline();
  drawLead();
  drawState();
  $("preview-link-box").hidden = true;
  if (!keepMessage) say($("message"), source.format === "html" && source.text ? "This body uses markup Markdown cannot express, so it is edited as HTML." : "");
  await refreshPreview();
}

function restoreUnsaved() {
  const stored = JSON.parse(sessionStorage.getItem(unsavedKey()) ?? "null");
  if (!stored) return;
  // Back to where the editor was: their base, their text; saving merges if others saved since.
  if (doc) doc = { ...doc, version: stored.version };
  base = stored.base;
  setFormat(stored.format);
  for (const [id, key] of [["title", "title"], ["slug", "slug"], ["summary", "summary"], ["body", "body"], ["section", "sectionSlug"], ["category", "categorySlug"]]) {
    $(id).value = stored.values[key] ?? "";
  }
  byline = stored.byline;
  lead = stored.lead;
  drawByline();
  drawLead();
  say($("message"), "Your unsaved changes from earlier in this tab are back in the form.", "ok");
}

export async function openArticle(id) {
  $("merge").hidden = true;
  mine = null;
  if (id === null) {
    await fill(null);
  } else {
    const data = await gql(`query($id: ID!) { article(id: $id, preview: true) { ${ARTICLE} } }`, { id });
    if (!data.article) return say($("message"), "No such article (it may have been deleted).", "error");
    await fill(data.article);
  }
  restoreUnsaved();
  await refreshPreview();
  $("title").focus();
}

async function apply(payload, done) {
  if (payload.userErrors.length) {
    if (payload.userErrors.some((e) => e.code === "CONFLICT")) return startMerge();
    say($("message"), problems(payload.userErrors), "error");
    return false;
  }
  sessionStorage.removeItem(unsavedKey());
  const wasNew = !doc;
  await fill(payload.article, { keepMessage: true });
  sessionStorage.removeItem(`cms-unsaved:new`);
  $("merge").hidden = true;
  mine = null;
  say($("message"), done, "ok");
  if (wasNew) history.replaceState(null, "", `#article/${payload.article.id}`);
  return true;
}

async function save({ publish = false } = {}) {
  if (!doc) {
    const data = await gql(`mutation($input: ArticleInput!) { createArticle(input: $input) { ${PAYLOAD} } }`, { input: changes() });
    return apply(data.createArticle, "Draft saved.");
  }
  const input = changes();
  if (!Object.keys(input).length && !publish) {
    say($("message"), "Nothing to save: the form has no changes.", "ok");
    return true;
  }
  const data = await gql(`mutation($id: ID!, $input: ArticleInput!, $v: Int!, $publish: Boolean!) {
    updateArticle(id: $id, input: $input, expectedVersion: $v, publish: $publish) { ${PAYLOAD} } }`,
    { id: doc.id, input, v: doc.version, publish });
  const live = doc.status === "PUBLISHED";
  return apply(data.updateArticle, publish ? "Published." : live ? "Saved as pending changes: the public still sees the published version." : "Saved.");
}

async function publishNow() {
  if (!doc && !(await save())) return;
  if (Object.keys(changes()).length) return save({ publish: true });
  const data = await gql(`mutation($id: ID!, $v: Int) { publishArticle(id: $id, expectedVersion: $v) { ${PAYLOAD} } }`, { id: doc.id, v: doc.version });
  return apply(data.publishArticle, doc.status === "PUBLISHED" ? "Changes published." : "Published.");
}

async function schedule() {
  const value = $("publish-at").value;
  if (!value) return say($("message"), "Choose a date and time to schedule for (or press Publish now).", "error");
  const at = new Date(value);
  if (at <= new Date()) return say($("message"), "That time has passed: choose a later one, or press Publish now.", "error");
  if (!doc || Object.keys(changes()).length) { if (!(await save())) return; }
  const data = await gql(`mutation($id: ID!, $at: DateTime, $v: Int) { publishArticle(id: $id, at: $at, expectedVersion: $v) { ${PAYLOAD} } }`,
    { id: doc.id, at: at.toISOString(), v: doc.version });
  return apply(data.publishArticle, `Scheduled for ${when(at.toISOString())}.`);
}

async function step(mutation, done) {
  if (dirty() && !(await save())) return;
  const data = await gql(`mutation($id: ID!) { ${mutation}(id: $id) { ${PAYLOAD} } }`, { id: doc.id });
  return apply(data[mutation], done);
}

async function revert(revision) {
  const data = await gql(`mutation($id: ID!, $rev: ID!) { revertArticle(id: $id, revisionId: $rev) { ${PAYLOAD} } }`, { id: doc.id, rev: revision.id });
  return apply(data.revertArticle, `Reverted to version ${revision.version} (saved as version ${doc.version + 1}).`);
}

async function previewLink() {
  if (dirty() && !(await save())) return;
  const data = await gql("mutation($id: ID!) { createPreviewLink(id: $id, ttlSeconds: 86400) { token expiresAt userErrors { field message code } } }", { id: doc.id });
  const made = data.createPreviewLink;
  if (made.userErrors.length) return say($("message"), problems(made.userErrors), "error");
  // The token travels in the fragment: it never reaches a server log or a Referer header.
  const url = `${location.origin}/admin/preview#token=${encodeURIComponent(made.token)}`;
  const box = $("preview-link-box");
  box.replaceChildren(
    h("label", { for: "preview-url", text: `Preview link (works without a token until ${when(made.expiresAt)})` }),
    h("input", { id: "preview-url", readonly: true, value: url }),
    h("a", { class: "button", href: url, target: "_blank", rel: "noopener", text: "Open preview" }),
    h("button", { type: "button", text: "Copy link", onclick: async () => { await navigator.clipboard?.writeText(url).catch(() => {}); say($("message"), "Preview link copied.", "ok"); } }),
  );
  box.hidden = false;
  $("preview-url").select();
}

// ---- the conflict merge -----------------------------------------------------------------

async function asHtml(text, textFormat) {
  return (await preview(textFormat === "markdown" ? { bodyMarkdown: text } : { bodyHtml: text })).html;
}

function fromArticle(a) {
  return {
    title: a.title, slug: a.slug, summary: a.summary, body: a.bodyHtml, sectionSlug: a.section?.slug ?? null,
    categorySlug: a.category?.slug ?? null, authorSlugs: a.authors.map((x) => x.slug), leadImageId: a.leadImage?.id ?? null,
  };
}

async function startMerge() {
  mine = { values: values(), format, byline: [...byline], lead };
  const data = await gql(`query($id: ID!) { article(id: $id, preview: true) { ${CORE}
      revisions(first: 100) { nodes { id version message savedBy createdAt title slug summary bodyHtml sectionSlug categorySlug authorSlugs leadImageId } } } }`,
    { id: doc.id });
  const theirs = data.article;
  const rev = theirs.revisions.nodes.find((r) => r.version === doc.version);
  const baseValues = rev ? { title: rev.title, slug: rev.slug, summary: rev.summary, body: rev.bodyHtml, sectionSlug: rev.sectionSlug,
    categorySlug: rev.categorySlug, authorSlugs: rev.authorSlugs, leadImageId: rev.leadImageId } : null;
  const mineValues = { ...mine.values, body: await asHtml(mine.values.body, mine.format) };
  const theirValues = fromArticle(theirs);
  const result = mergeFields(baseValues, mineValues, theirValues, FIELDS);
  const savedBy = theirs.revisions.nodes[0]?.savedBy || "someone";
  const names = {
    authors: new Map([...theirs.authors, ...mine.byline].map((a) => [a.slug, a.name])),
    images: new Map([[theirs.leadImage?.id, theirs.leadImage?.title], [mine.lead?.id, mine.lead?.title]]),
  };
  const show = (field, value) => {
    if (field === "authorSlugs") return value.map((s) => names.authors.get(s) ?? s).join(", ") || "(nobody)";
    if (field === "sectionSlug") return app.sections.find((s) => s.slug === value)?.name ?? "(none)";
    if (field === "categorySlug") return app.categories.find((s) => s.slug === value)?.name ?? "(none)";
    if (field === "leadImageId") return value ? names.images.get(value) || "an image" : "(none)";
    return value;
  };
  const panel = $("merge");
  const taken = Object.entries(result.taken).map(([field, side]) => h("li", { text: `${LABELS[field]}: ${side === "mine" ? "your change kept" : `${savedBy}'s change taken`}` }));
  const conflicts = result.conflicts.map((field) => {
    const text = typeof mineValues[field] === "string" && !["sectionSlug", "categorySlug", "leadImageId"].includes(field);
    const m = show(field, mineValues[field]);
    const t = show(field, theirValues[field]);
    const diff = text ? h("div", { class: "diff", "aria-label": `Differences in the ${LABELS[field].toLowerCase()}, from theirs to mine` },
      ...diffWords(t, m).map((part) => (part.op === "same" ? part.text : h(part.op === "add" ? "ins" : "del", { text: part.text })))) : null;
    return h("fieldset", { class: "conflict", "data-field": field },
      h("legend", { text: `${LABELS[field]}: you and ${savedBy} both changed it` }),
      h("div", { class: "sides" },
        h("div", {}, h("h3", { text: "Mine" }), h("pre", { class: "side mine", text: m })),
        h("div", {}, h("h3", { text: `Theirs (${savedBy})` }), h("pre", { class: "side theirs", text: t }))),
      diff ? h("details", { open: true }, h("summary", { text: "What differs (theirs → mine)" }), diff) : null,
      h("div", { class: "choices" },
        h("label", {}, h("input", { type: "radio", name: `pick-${field}`, value: "mine", checked: true }), ` Keep mine (${LABELS[field].toLowerCase()})`),
        h("label", {}, h("input", { type: "radio", name: `pick-${field}`, value: "theirs" }), ` Take theirs (${LABELS[field].toLowerCase()})`)));
  });
  panel.replaceChildren(
    h("h2", { id: "merge-title", text: `${savedBy} saved this article while you were editing (now version ${theirs.version})` }),
    h("p", { text: result.conflicts.length
      ? "Fields only one of you changed are merged. Choose for each field you both changed, then save the merged version. Nothing you typed is lost until you do."
      : "Every field merged by itself: only one of you changed each. Check the form, then save the merged version." }),
    taken.length ? h("ul", { class: "merged" }, taken) : null,
    ...conflicts,
    h("div", { class: "actions" },
      h("button", { type: "button", class: "primary", id: "save-merged", text: "Save merged version", onclick: app.guard(() => finishMerge(theirs, result)) })),
  );
  panel.hidden = false;
  say($("message"), `Not saved yet: ${savedBy} saved a newer version. Your changes are merged below.`, "error");
  panel.querySelector("h2").setAttribute("tabindex", "-1");
  panel.querySelector("h2").focus();
  return false;
}

async function finishMerge(theirs, result) {
  const pick = (field) => (result.conflicts.includes(field) ? document.querySelector(`input[name="pick-${field}"]:checked`).value : null);
  const chosen = {};
  for (const field of FIELDS) {
    const side = pick(field) ?? (result.taken[field] ?? "same");
    chosen[field] = side === "theirs" ? "theirs" : side === "mine" ? "mine" : "same";
  }
  const kept = mine;
  // Theirs becomes the base; the form then holds theirs with the chosen or merged fields of mine.
  await fill(theirs, { keepMessage: true });
  const theirsFormat = format;
  for (const [field, id] of [["title", "title"], ["slug", "slug"], ["summary", "summary"]]) if (chosen[field] === "mine") $(id).value = kept.values[field];
  if (chosen.sectionSlug === "mine") $("section").value = kept.values.sectionSlug ?? "";
  if (chosen.categorySlug === "mine") $("category").value = kept.values.categorySlug ?? "";
  if (chosen.authorSlugs === "mine") { byline = kept.byline; drawByline(); }
  if (chosen.leadImageId === "mine") { lead = kept.lead; drawLead(); }
  if (chosen.body === "mine") { $("body").value = kept.values.body; setFormat(kept.format); base = { ...base, format: theirsFormat }; }
  mine = kept;
  const ok = await save();
  if (ok) say($("message"), `Merged with version ${theirs.version} and saved as version ${doc.version}.`, "ok");
}
