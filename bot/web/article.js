/* An article page: the body arrives as escaped Markdown text (readable without script) and is
   rendered by markdown.js, the renderer the widget uses. */
(function () {
  "use strict";
  var body = document.getElementById("article-body");
  if (!body || !window.AskITMarkdown) return;
  var template = body.getAttribute("data-article-url") || "";
  var source = body.textContent;
  body.replaceChildren(window.AskITMarkdown.render(source, document, {
    headingLevel: 2,
    articleUrl: function (id) { return template ? template.replace("{id}", encodeURIComponent(id)) : null; },
  }));
  body.classList.add("rendered");
})();
