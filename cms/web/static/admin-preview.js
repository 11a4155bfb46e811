// A preview link's page: anyone with the link sees the latest draft until the link expires.
const $ = (id) => document.getElementById(id);
const token = new URLSearchParams(location.hash.slice(1)).get("token");

async function load() {
  const response = await fetch("/graphql", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({
      query: `query($t: String) { article(previewToken: $t) { title summary bodyHtml status authors { name }
        leadImage { alt url(width: 1200) credit { line } } } }`,
      variables: { t: token },
    }),
  });
  const body = await response.json();
  if (body.errors || !body.data?.article) {
    $("preview-message").textContent = body.errors?.[0]?.message ?? "This preview link does not work (expired or revoked).";
    $("preview-message").className = "message error";
    return;
  }
  const article = body.data.article;
  document.title = `Preview: ${article.title}`;
  $("article-title").textContent = article.title;
  $("article-summary").textContent = article.summary;
  $("article-byline").textContent = article.authors.length ? `By ${article.authors.map((a) => a.name).join(", ")}` : "";
  if (article.leadImage) {
    $("article-lead-img").src = article.leadImage.url;
    $("article-lead-img").alt = article.leadImage.alt;
    $("article-lead-credit").textContent = article.leadImage.credit.line;
    $("article-lead").hidden = false;
  }
  $("article-body").innerHTML = article.bodyHtml; // sanitised on save; the CSP allows no script
  $("article").hidden = false;
}

if (token) load();
else $("preview-message").textContent = "This page needs a preview link.";
