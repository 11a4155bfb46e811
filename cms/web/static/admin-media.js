// The media library: thumbnails, search, credits and licences, upload, and where images are used.
import { gql, problems, upload } from "./admin-api.js";
import { $, field, h, say } from "./admin-dom.js";
import { THUMB } from "./admin-pickers.js";

const PAGE = 24;
const IMAGE = `id title alt width height ${THUMB} usedBy
  credit { creator creatorUrl sourceName sourceUrl line license { code name } }`;
const CREDIT_FIELDS = [
  ["title", "Image title"], ["alt", "Alt text"], ["creator", "Creator"], ["creatorUrl", "Creator URL", "url"],
  ["sourceName", "Source name (e.g. Flickr)"], ["sourceUrl", "Source URL", "url"],
];
let app;
let after = null;

export function setup(shared) {
  app = shared;
  $("media-filter").addEventListener("submit", (event) => { event.preventDefault(); app.guard(() => showMedia())(); });
  $("media-more").addEventListener("click", app.guard(() => showMedia({ more: true })));
  $("upload").addEventListener("submit", (event) => { event.preventDefault(); app.guard(uploadImage)(); });
}

// Built when first shown: the licence list comes with the signed-in editor's choices.
function buildUpload() {
  const form = $("upload");
  if (form.childElementCount) return;
  const file = h("input", { type: "file", name: "file", required: true, accept: "image/jpeg,image/png,image/gif,image/webp,image/avif" });
  form.append(
    field("Image file (JPEG, PNG, GIF, WebP or AVIF)", file),
    ...creditFields("upload"),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary", text: "Upload" })),
  );
}

function licenceSelect(id, value) {
  const select = h("select", { id, name: "licenseCode", required: true },
    new Option("(choose the licence)", ""), ...app.licenses.map((l) => new Option(l.name, l.code)));
  select.value = value ?? "";
  return select;
}

function creditFields(prefix, image) {
  const credit = image?.credit ?? {};
  const current = { title: image?.title, alt: image?.alt, ...credit };
  return [
    ...CREDIT_FIELDS.map(([name, label, type]) => field(label, h("input", { id: `${prefix}-${name}`, name, type: type ?? "text", value: current[name] ?? "" }),
      name === "alt" ? "What the image shows, for readers who cannot see it." : null)),
    field("Licence", licenceSelect(`${prefix}-license`, credit.license?.code)),
  ];
}

function inputOf(form) {
  const data = new FormData(form);
  const input = {};
  for (const [name] of CREDIT_FIELDS) input[name] = data.get(name) || null;
  input.licenseCode = data.get("licenseCode") || null;
  return input;
}

async function uploadImage() {
  const form = $("upload");
  const data = new FormData(form);
  const file = data.get("file");
  if (!file || !file.name) return say($("upload-message"), "Choose an image file first.", "error");
  const result = await upload(`mutation($file: Upload!, $input: ImageInput!) { uploadImage(file: $file, input: $input) {
    image { id credit { line } } userErrors { field message code } } }`, { input: inputOf(form) }, file);
  const payload = result.uploadImage;
  if (payload.userErrors.length) return say($("upload-message"), problems(payload.userErrors), "error");
  say($("upload-message"), `Uploaded: ${payload.image.credit.line}`, "ok");
  form.reset();
  await showMedia();
}

export async function showMedia({ more = false } = {}) {
  buildUpload();
  if (!more) after = null;
  const data = await gql(`query($q: String, $after: String) { images(first: ${PAGE}, after: $after, search: $q) {
    totalCount pageInfo { hasNextPage endCursor } nodes { ${IMAGE} } } }`, { q: $("media-search").value.trim() || null, after });
  const found = data.images;
  after = found.pageInfo.endCursor;
  const cards = found.nodes.map(card);
  if (more) $("media-grid").append(...cards);
  else $("media-grid").replaceChildren(...cards);
  $("media-more").hidden = !found.pageInfo.hasNextPage;
  say($("media-message"), `${found.totalCount} ${found.totalCount === 1 ? "image" : "images"}${found.nodes.length ? "" : " match"}.`);
}

const usedBy = (n) => (n === 0 ? "Not used by any article" : `Used by ${n} ${n === 1 ? "article" : "articles"}`);

function card(image) {
  const name = image.title || "Untitled image";
  return h("li", { class: "card" },
    h("img", { src: image.url, alt: image.alt || "", loading: "lazy", width: 320, height: Math.round((320 * image.height) / image.width) }),
    h("h2", { text: name }),
    h("p", { class: "credit", text: image.credit.line }),
    h("p", { class: "meta", text: `${image.width} × ${image.height} · ${usedBy(image.usedBy)}` }),
    image.alt ? null : h("p", { class: "warn", text: "No alt text yet" }),
    app.may("image.manage") ? h("button", { type: "button", "aria-label": `Edit ${name}`, text: "Edit", onclick: () => edit(image) }) : null,
  );
}

function edit(image) {
  const dialog = $("image-dialog");
  const message = h("p", { class: "message", role: "status" });
  const form = h("form", { method: "dialog" }, ...creditFields("edit", image));
  const name = image.title || "Untitled image";
  form.append(h("div", { class: "actions" },
    h("button", { type: "submit", class: "primary", text: "Save credit" }),
    h("button", { type: "button", text: "Cancel", onclick: () => dialog.close() }),
    image.usedBy === 0 ? h("button", { type: "button", class: "danger", text: "Delete image", onclick: app.guard(async () => {
      const data = await gql("mutation($id: ID!) { deleteImage(id: $id) { deletedId userErrors { field message code } } }", { id: image.id });
      if (data.deleteImage.userErrors.length) return say(message, problems(data.deleteImage.userErrors), "error");
      dialog.close();
      await showMedia();
    }) }) : null));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    app.guard(async () => {
      const data = await gql(`mutation($id: ID!, $input: ImageInput!) { updateImage(id: $id, input: $input) { image { credit { line } } userErrors { field message code } } }`,
        { id: image.id, input: inputOf(form) });
      const payload = data.updateImage;
      if (payload.userErrors.length) return say(message, problems(payload.userErrors), "error");
      dialog.close();
      await showMedia();
      say($("media-message"), `Saved: ${payload.image.credit.line}`, "ok");
    })();
  });
  dialog.replaceChildren(
    h("h2", { id: "image-dialog-title", text: `Edit ${name}` }),
    h("img", { src: image.url, alt: "", class: "dialog-thumb" }),
    h("p", { class: "meta", text: usedBy(image.usedBy) }),
    message, form);
  dialog.showModal();
  form.querySelector("input").focus();
}
