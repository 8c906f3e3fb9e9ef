/*
 * The studio's article editor: each textarea[data-markdown-editor] becomes a Markdown source editor
 * (CodeMirror 5, vendor/codemirror.js), and the element [data-preview-of="<its id>"] shows the text
 * as the widget renders answers (../markdown.js). Without JavaScript, or if either script is
 * missing, the plain textarea works alone. The textarea keeps the editor's text, so the form posts
 * it as "body" and a page re-rendered after a failed save starts from what was typed.
 */
(function () {
  "use strict";

  var PREVIEW_DELAY_MS = 150; // re-render once typing pauses, not on every key
  var PREVIEW_OPTIONS = {
    headingLevel: 3, // under the page's "Preview" h2
    articleUrl: function (id) { return "/studio/articles/" + encodeURIComponent(id); }
  };
  var EDITOR_OPTIONS = {
    mode: "markdown",
    // The contenteditable input lets screen readers read the text around the caret; CodeMirror's
    // default hidden textarea holds only the selection.
    inputStyle: "contenteditable",
    lineWrapping: true, // no sideways scrolling, at 320 px or at 400% zoom
    viewportMargin: Infinity, // the editor grows with the text: one scrollbar, the page's
    spellcheck: true,
    autocapitalize: true,
    // CodeMirror takes Tab to indent: a keyboard trap (WCAG 2.1.2). false leaves the key to the
    // browser, which moves focus. Ctrl-] and Ctrl-[ still indent and outdent.
    extraKeys: { Tab: false, "Shift-Tab": false }
  };
  // What the textarea says about itself that its stand-in must say too.
  var COPIED_ATTRIBUTES = ["aria-describedby", "aria-invalid", "aria-errormessage"];

  function enhance(textarea) {
    var preview = document.querySelector('[data-preview-of="' + CSS.escape(textarea.id) + '"]');
    var editor = CodeMirror.fromTextArea(textarea, Object.assign({ readOnly: textarea.readOnly }, EDITOR_OPTIONS));
    describe(editor.getInputField(), textarea);
    focusFromLinks(editor, textarea);
    var timer = null;
    var show = function () {
      timer = null;
      if (preview) preview.replaceChildren(AskITMarkdown.render(editor.getValue(), document, PREVIEW_OPTIONS));
    };
    editor.on("change", function () {
      editor.save();
      if (timer !== null) clearTimeout(timer);
      timer = setTimeout(show, PREVIEW_DELAY_MS);
    });
    show();
  }

  /* The editor's input is a contenteditable div: give it the textarea's role, name and description. */
  function describe(input, textarea) {
    input.setAttribute("role", "textbox");
    input.setAttribute("aria-multiline", "true");
    var label = textarea.labels && textarea.labels[0];
    if (label) {
      if (!label.id) label.id = textarea.id + "-label";
      input.setAttribute("aria-labelledby", label.id);
    }
    COPIED_ATTRIBUTES.forEach(function (name) {
      if (textarea.hasAttribute(name)) input.setAttribute(name, textarea.getAttribute(name));
    });
    if (textarea.required) {
      input.setAttribute("aria-required", "true");
      // An empty required field the browser cannot focus (the textarea is hidden) blocks the form
      // without a word; the server says what is missing instead.
      textarea.required = false;
    }
    if (textarea.readOnly) input.setAttribute("aria-readonly", "true");
  }

  /* The hidden textarea cannot take focus: its label, and links to it such as an error summary's,
     focus the editor instead. */
  function focusFromLinks(editor, textarea) {
    var target = "#" + textarea.id;
    document.addEventListener("click", function (event) {
      var from = event.target.closest("label, a[href]");
      if (!from) return;
      var isLabel = from.tagName === "LABEL" && from.control === textarea;
      if (!isLabel && from.getAttribute("href") !== target) return;
      event.preventDefault();
      editor.getWrapperElement().scrollIntoView({ block: "nearest" });
      editor.focus();
    });
  }

  function enhanceAll() {
    Array.prototype.forEach.call(document.querySelectorAll("textarea[data-markdown-editor]"), enhance);
  }

  if (!window.CodeMirror || !window.AskITMarkdown) return;
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", enhanceAll);
  else enhanceAll();
})();
