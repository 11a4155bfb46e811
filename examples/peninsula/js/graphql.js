// The GraphQL client: one function per kind of operation, a document per file in ../queries/.
//
// Each document is sent exactly as its file reads, so a CMS in trusted-documents mode
// (CMS_TRUSTED_DOCUMENTS=on) runs it once an admin has registered the files:
//   cms documents register examples/peninsula/queries/*.graphql
import { endpoint } from "./config.js";

const documents = new Map();

function load(name) {
  if (!documents.has(name)) {
    const url = new URL(`../queries/${name}.graphql`, import.meta.url);
    documents.set(
      name,
      fetch(url).then((response) => {
        if (!response.ok) throw new Error(`${url.pathname} answered HTTP ${response.status}`);
        return response.text();
      }),
    );
  }
  return documents.get(name);
}

export class GraphQLError extends Error {
  constructor(errors) {
    super(errors.map((error) => error.message).join("; "));
    this.errors = errors;
  }
}

async function answer(response) {
  const body = await response.json().catch(() => null);
  if (body === null) throw new Error(`${endpoint} answered HTTP ${response.status} without GraphQL`);
  if (body.errors?.length) throw new GraphQLError(body.errors);
  return body.data;
}

/** Run a query over GET: public answers are cacheable by the browser and any CDN in front. */
export async function query(name, variables = {}) {
  const url = new URL(endpoint);
  url.searchParams.set("query", await load(name));
  url.searchParams.set("variables", JSON.stringify(variables));
  return answer(await fetch(url, { headers: { Accept: "application/json" } }));
}

/** Run a mutation (always POST). */
export async function mutate(name, variables = {}) {
  const body = JSON.stringify({ query: await load(name), variables });
  return answer(
    await fetch(endpoint, {
      method: "POST",
      headers: { Accept: "application/json", "Content-Type": "application/json" },
      body,
    }),
  );
}
