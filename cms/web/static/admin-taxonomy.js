// Authors, sections and categories: one page each, a list and a form.
import { gql, problems } from "./admin-api.js";
import { $, field, h, say } from "./admin-dom.js";
import { findImages, picker, THUMB } from "./admin-pickers.js";

const KINDS = {
  authors: {
    title: "Authors", one: "author", type: "Author",
    fields: [["name", "Name"], ["slug", "Slug"], ["affiliation", "Affiliation"], ["bio", "Bio", "textarea"]],
    columns: [["Name", (a) => a.name], ["Affiliation", (a) => a.affiliation], ["Slug", (a) => a.slug]],
    list: async (search) => (await gql(`query($q: String) { authors(first: 100, search: $q) { nodes {
      id name slug bio affiliation photo { id title ${THUMB} } } } }`, { q: search || null })).authors.nodes,
  },
  sections: {
    title: "Sections", one: "section", type: "Section",
    fields: [["name", "Name"], ["slug", "Slug"], ["description", "Description", "textarea"]],
    columns: [["Name", (s) => s.name], ["Slug", (s) => s.slug], ["Description", (s) => s.description]],
    list: async () => (await gql("{ sections { id name slug description } }")).sections,
  },
  categories: {
    title: "Categories", one: "category", type: "Category",
    fields: [["name", "Name"], ["slug", "Slug"]],
    columns: [["Name", (c) => c.name], ["Slug", (c) => c.slug]],
    list: async () => (await gql("{ categories { id name slug } }")).categories,
  },
};

let app;

export function setup(shared) {
  app = shared;
}

export async function showTaxonomy(kind) {
  const spec = KINDS[kind];
  const view = $("taxonomy-view");
  const message = h("p", { class: "message", id: "taxonomy-message", role: "status" });
  const search = h("input", { id: "taxonomy-search", type: "search" });
  const rows = h("tbody");
  const formBox = h("div", { id: "taxonomy-form-box" });
  const manage = app.may("taxonomy.manage");
  const refresh = async () => {
    const items = await spec.list(search.value.trim().toLowerCase());
    const shown = kind === "authors" ? items : items.filter((i) => !search.value || i.name.toLowerCase().includes(search.value.trim().toLowerCase()));
    rows.replaceChildren(...shown.map((item) => h("tr", {},
      ...spec.columns.map(([, get], index) => (index === 0 ? h("th", { scope: "row", text: get(item) }) : h("td", { text: get(item) ?? "" }))),
      h("td", {}, manage ? h("button", { type: "button", class: "small", "aria-label": `Edit ${item.name}`, text: "Edit", onclick: () => openForm(item) }) : ""))));
    if (!shown.length) rows.replaceChildren(h("tr", {}, h("td", { colspan: spec.columns.length + 1, text: `No ${spec.title.toLowerCase()} match.` })));
  };
  const openForm = (item) => {
    formBox.replaceChildren(form(kind, spec, item, async (done) => { formBox.replaceChildren(); await refresh(); await app.reloadChoices(); say(message, done, "ok"); }, message));
    formBox.querySelector("input").focus();
  };
  view.replaceChildren(
    h("div", { class: "titlebar" }, h("h1", { id: "taxonomy-title", text: spec.title }),
      manage ? h("button", { type: "button", class: "primary", text: `New ${spec.one}`, onclick: () => openForm(null) }) : null),
    message,
    h("form", { role: "search", "aria-label": `${spec.title} search`, class: "inline", onsubmit: (e) => { e.preventDefault(); app.guard(refresh)(); } },
      field(`Search ${spec.title.toLowerCase()}`, search), h("button", { type: "submit", text: "Search" })),
    formBox,
    h("div", { class: "scroll" }, h("table", {},
      h("caption", { class: "visually-hidden", text: spec.title }),
      h("thead", {}, h("tr", {}, ...spec.columns.map(([name]) => h("th", { scope: "col", text: name })), h("th", { scope: "col", text: "Actions" }))),
      rows)),
  );
  await refresh();
}

function form(kind, spec, item, done, message) {
  let photo = item?.photo ?? null;
  const controls = spec.fields.map(([name, label, type]) => {
    const control = type === "textarea" ? h("textarea", { id: `tx-${name}`, name, rows: 4 }) : h("input", { id: `tx-${name}`, name, required: name === "name" });
    control.value = item?.[name] ?? "";
    return field(label, control, name === "slug" ? (item ? "Changing it changes this page's public URLs." : "Leave empty to make one from the name.") : null);
  });
  const extra = [];
  if (kind === "authors") {
    const current = h("div", { id: "photo-current" });
    const drawPhoto = () => current.replaceChildren(photo
      ? h("figure", {}, h("img", { src: photo.url, alt: `Photo: ${photo.title || "untitled"}` }), h("button", { type: "button", class: "small", text: "Remove photo", onclick: () => { photo = null; drawPhoto(); } }))
      : h("p", { class: "hint", text: "No photo." }));
    drawPhoto();
    const search = h("input", { id: "photo-search", type: "search", autocomplete: "off" });
    const results = h("ul", { class: "results thumbs", "aria-label": "Matching images" });
    picker({ input: search, results, find: (q) => findImages(q), onError: app.fail,
      describe: (i) => ({ label: `Use ${i.title || "untitled image"} as photo`, text: i.title || "Untitled", thumb: i.url }),
      pick: (i) => { photo = { id: i.id, title: i.title, url: i.url }; drawPhoto(); } });
    extra.push(h("fieldset", {}, h("legend", { text: "Photo" }), current, field("Find a photo in the media library", search), results));
  }
  const title = item ? `Edit ${item.name}` : `New ${spec.one}`;
  const element = h("form", { class: "panel", "aria-label": title }, h("h2", { text: title }), ...controls, ...extra);
  const save = async () => {
    const data = new FormData(element);
    const input = {};
    for (const [name] of spec.fields) {
      const value = data.get(name);
      if (item || value) input[name] = name === "slug" && !value ? null : value;
    }
    if (kind === "authors") input.photoId = photo?.id ?? null;
    const mutation = `${item ? "update" : "create"}${spec.type}`;
    const args = item ? "id: $id, input: $input" : "input: $input";
    const result = await gql(`mutation(${item ? "$id: ID!, " : ""}$input: ${spec.type}Input!) { ${mutation}(${args}) { ${spec.one} { id name } userErrors { field message code } } }`,
      { id: item?.id, input });
    const payload = result[mutation];
    if (payload.userErrors.length) return say(message, problems(payload.userErrors), "error");
    await done(`Saved ${payload[spec.one].name}.`);
  };
  const remove = async () => {
    const mutation = `delete${spec.type}`;
    const result = await gql(`mutation($id: ID!) { ${mutation}(id: $id) { deletedId userErrors { field message code } } }`, { id: item.id });
    const payload = result[mutation];
    if (payload.userErrors.length) return say(message, problems(payload.userErrors), "error");
    await done(`Deleted ${item.name}.`);
  };
  element.addEventListener("submit", (event) => { event.preventDefault(); app.guard(save)(); });
  element.append(h("div", { class: "actions" },
    h("button", { type: "submit", class: "primary", text: item ? "Save changes" : `Create ${spec.one}` }),
    h("button", { type: "button", text: "Cancel", onclick: () => element.remove() }),
    item ? h("button", { type: "button", class: "danger", text: `Delete ${item.name}`, onclick: app.guard(remove) }) : null));
  return element;
}
