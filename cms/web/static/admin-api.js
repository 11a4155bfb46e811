// Talking to /graphql with the editor's token (kept in sessionStorage: this tab only, never the URL).
const TOKEN_KEY = "cms-token";

export class Unauthenticated extends Error {}

export const token = {
  get: () => sessionStorage.getItem(TOKEN_KEY),
  set: (value) => sessionStorage.setItem(TOKEN_KEY, value),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

async function send(body, headers) {
  const response = await fetch("/graphql", {
    method: "POST",
    headers: { Accept: "application/graphql-response+json, application/json", Authorization: `Bearer ${token.get()}`, ...headers },
    body,
  });
  const result = await response.json().catch(() => ({ errors: [{ message: `the server answered ${response.status}` }] }));
  if (response.status === 401) throw new Unauthenticated("Your token was refused (unknown, expired or revoked). Sign in again.");
  if (result.errors) throw new Error(result.errors.map((e) => `${e.message}${e.extensions?.code ? ` (${e.extensions.code})` : ""}`).join("; "));
  return result.data;
}

export function gql(query, variables = {}) {
  return send(JSON.stringify({ query, variables }), { "Content-Type": "application/json" });
}

// GraphQL multipart request: one file at variables.file.
export function upload(query, variables, file) {
  const body = new FormData();
  body.append("operations", JSON.stringify({ query, variables: { ...variables, file: null } }));
  body.append("map", JSON.stringify({ 0: ["variables.file"] }));
  body.append("0", file, file.name);
  return send(body, {});
}

// userErrors as one readable sentence.
export function problems(userErrors) {
  return userErrors.map((e) => (e.field ? `${e.field}: ${e.message}` : e.message)).join("; ");
}
