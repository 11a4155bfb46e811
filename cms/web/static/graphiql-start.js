// Starts GraphiQL on the page that GET /graphql serves to browsers. It is a file of
// its own, not an inline script, so the page's CSP can stay script-src 'self'.
(function () {
  "use strict";
  var root = document.getElementById("graphiql");
  // GraphiQL's dialogs (react-remove-scroll) add <style> elements and give them this
  // global as their nonce; the page's CSP admits styles carrying this response's nonce.
  window.__webpack_nonce__ = root.dataset.styleNonce;
  // The page is served by the GraphQL endpoint itself: queries go back to this URL.
  var fetcher = GraphiQL.createFetcher({ url: window.location.pathname });
  ReactDOM.createRoot(root).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: root.dataset.defaultQuery,
      // A token goes in the Headers tab: {"Authorization": "Bearer cms_..."}. It is
      // not kept in localStorage, where any later script on this origin could read it.
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false,
    })
  );
})();
