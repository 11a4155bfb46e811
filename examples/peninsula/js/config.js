// Where the CMS is. By default, the CMS that serves these pages (at <cms>/examples/peninsula/).
// Served from anywhere else (your own checkout, another port), give it as ?api=http://127.0.0.1:8000;
// the links between the pages keep it. A production site writes its CMS's address here instead:
// the pages put the HTML the API sends into the page, so they must only ever ask the CMS you trust.
const given = new URLSearchParams(location.search).get("api");

export const api = given ? given.replace(/\/+$/, "") : null;
export const endpoint = api ? `${api}/graphql` : new URL("../../graphql", location.href).href;

/** A link to another page of this example, keeping ?api= when it was given. */
export function page(name, params = {}) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") query.set(key, value);
  }
  if (api) query.set("api", api);
  const search = query.toString();
  return search ? `${name}?${search}` : name;
}
