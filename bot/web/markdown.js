/*
 * AskIT's limited Markdown, shared by the web widget and the article pages.
 *
 * It builds DOM nodes and only ever sets text with createTextNode, so HTML in a message shows as
 * text. It knows paragraphs (a single line break is kept), "#" headings, "-"/"*" and "1." lists
 * (one level of nesting), **bold**, *emphasis*, `code` and [links](...) to http, https, mailto,
 * tel, or kb:<article-id> (made into that article's page by options.articleUrl). Anything else,
 * including a link to any other scheme, is shown as the text it was written as.
 *
 *   AskITMarkdown.render(text, document, {headingLevel, articleUrl}) -> DocumentFragment
 *   headingLevel: the HTML level "##" becomes (deeper headings go one level down each; past h6
 *   they become bold paragraphs). articleUrl(id) returns a URL, or null for plain text.
 */
(function (root) {
  "use strict";

  var WEB_SCHEMES = ["http:", "https:"];
  var OTHER_SCHEMES = ["mailto:", "tel:"];
  var ARTICLE_ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
  var HEADING = /^(#{1,6})\s+(.*\S)\s*$/;
  var ITEM = /^(\s*)([-*+]|(\d{1,9})[.)])\s+(.*)$/;
  var ESCAPABLE = "\\`*_[]()#+-.!>";
  var NEW_TAB_NOTE = " (opens in a new tab)";
  var HIDDEN_CLASS = "askit-visually-hidden";

  /* Blocks: {type: "p", lines}, {type: "h", depth, text}, {type: "list", ordered, start, items}
     where an item is {lines, sub: list block or null}. */
  function parseBlocks(text) {
    var lines = String(text).replace(/\r\n?/g, "\n").split("\n");
    var blocks = [];
    var paragraph = null;
    var list = null;
    var close = function () { paragraph = null; list = null; };
    lines.forEach(function (line) {
      var heading = HEADING.exec(line);
      var item = ITEM.exec(line);
      if (!line.trim()) {
        close();
      } else if (heading) {
        close();
        blocks.push({ type: "h", depth: heading[1].length, text: heading[2] });
      } else if (item) {
        var ordered = item[3] !== undefined;
        var nested = item[1].length >= 2 && list && list.items.length;
        if (nested) {
          var parent = list.items[list.items.length - 1];
          if (!parent.sub || parent.sub.ordered !== ordered) {
            parent.sub = newList(ordered, item[3]);
          }
          parent.sub.items.push({ lines: [item[4]], sub: null });
          return;
        }
        if (!list || list.ordered !== ordered) {
          paragraph = null;
          list = newList(ordered, item[3]);
          blocks.push(list);
        }
        list.items.push({ lines: [item[4]], sub: null });
      } else if (list && /^\s/.test(line)) {
        var last = list.items[list.items.length - 1];
        (last.sub ? last.sub.items[last.sub.items.length - 1] : last).lines.push(line.trim());
      } else {
        list = null;
        if (!paragraph) {
          paragraph = { type: "p", lines: [] };
          blocks.push(paragraph);
        }
        paragraph.lines.push(line);
      }
    });
    return blocks;
  }

  function newList(ordered, number) {
    return { type: "list", ordered: ordered, start: ordered ? parseInt(number, 10) : 1, items: [] };
  }

  /* Inline text -> nodes appended to parent. "inLink" stops links inside links. */
  function inline(doc, parent, text, options, inLink) {
    var buffer = "";
    var flush = function () {
      if (buffer) parent.appendChild(doc.createTextNode(buffer));
      buffer = "";
    };
    var i = 0;
    while (i < text.length) {
      var c = text[i];
      if (c === "\\" && i + 1 < text.length && ESCAPABLE.indexOf(text[i + 1]) >= 0) {
        buffer += text[i + 1];
        i += 2;
        continue;
      }
      if (c === "`") {
        var endCode = text.indexOf("`", i + 1);
        if (endCode > i + 1) {
          flush();
          parent.appendChild(element(doc, "code", text.slice(i + 1, endCode)));
          i = endCode + 1;
          continue;
        }
      }
      var marker = text.startsWith("**", i) ? "**" : c === "*" ? "*" : "";
      if (marker) {
        var end = closing(text, marker, i + marker.length);
        if (end > 0) {
          flush();
          var emphasis = doc.createElement(marker === "**" ? "strong" : "em");
          inline(doc, emphasis, text.slice(i + marker.length, end), options, inLink);
          parent.appendChild(emphasis);
          i = end + marker.length;
          continue;
        }
      }
      if (c === "[" && !inLink) {
        var link = parseLink(text, i);
        if (link) {
          flush();
          appendLink(doc, parent, link, text.slice(i, link.end), options);
          i = link.end;
          continue;
        }
      }
      buffer += c;
      i += 1;
    }
    flush();
  }

  /* Where a run of emphasis that opened just before "from" closes: the next marker that follows
     a non-space character (and, for "*", is not part of "**"); -1 if none. */
  function closing(text, marker, from) {
    if (from >= text.length || /\s/.test(text[from])) return -1;
    var at = text.indexOf(marker, from + 1);
    while (at > 0) {
      var single = marker !== "*" || (text[at + 1] !== "*" && text[at - 1] !== "*");
      if (single && !/\s/.test(text[at - 1])) return at;
      at = text.indexOf(marker, at + 1);
    }
    return -1;
  }

  function parseLink(text, start) {
    var close = text.indexOf("]", start + 1);
    if (close < 0 || text[close + 1] !== "(") return null;
    var end = text.indexOf(")", close + 2);
    if (end < 0) return null;
    var label = text.slice(start + 1, close);
    var target = text.slice(close + 2, end).trim();
    if (!label || !target || /\s/.test(target) || label.indexOf("[") >= 0) return null;
    return { label: label, target: target, end: end + 1 };
  }

  function appendLink(doc, parent, link, source, options) {
    var href = null;
    var newTab = false;
    var kb = /^kb:(.+)$/.exec(link.target);
    if (kb) {
      href = ARTICLE_ID.test(kb[1]) && options.articleUrl ? options.articleUrl(kb[1]) : null;
      newTab = true;
      if (!href) {
        inline(doc, parent, link.label, options, true); // an article we cannot link to: its title reads fine
        return;
      }
    } else {
      var url = safeUrl(link.target);
      if (url) {
        href = url.href;
        newTab = WEB_SCHEMES.indexOf(url.protocol) >= 0;
      }
    }
    if (!href) {
      parent.appendChild(doc.createTextNode(source));
      return;
    }
    var a = doc.createElement("a");
    a.href = href;
    inline(doc, a, link.label, options, true);
    if (newTab) {
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      var note = element(doc, "span", NEW_TAB_NOTE);
      note.className = HIDDEN_CLASS;
      a.appendChild(note);
    }
    parent.appendChild(a);
  }

  function safeUrl(target) {
    var url;
    try {
      url = new URL(target); // absolute URLs only: a relative one would resolve against the host page
    } catch (e) {
      return null;
    }
    var scheme = url.protocol.toLowerCase();
    if (WEB_SCHEMES.indexOf(scheme) >= 0 && url.hostname) return url;
    if (OTHER_SCHEMES.indexOf(scheme) >= 0) return url;
    return null;
  }

  function element(doc, name, text) {
    var node = doc.createElement(name);
    node.appendChild(doc.createTextNode(text));
    return node;
  }

  function appendLines(doc, parent, lines, options) {
    lines.forEach(function (line, index) {
      if (index > 0) parent.appendChild(doc.createElement("br"));
      inline(doc, parent, line, options, false);
    });
  }

  function buildList(doc, block, options) {
    var list = doc.createElement(block.ordered ? "ol" : "ul");
    if (block.ordered && block.start !== 1) list.start = block.start;
    block.items.forEach(function (item) {
      var li = doc.createElement("li");
      appendLines(doc, li, item.lines, options);
      if (item.sub) li.appendChild(buildList(doc, item.sub, options));
      list.appendChild(li);
    });
    return list;
  }

  function render(text, doc, options) {
    options = options || {};
    var base = options.headingLevel || 3;
    var fragment = doc.createDocumentFragment();
    parseBlocks(text).forEach(function (block) {
      var node;
      if (block.type === "h") {
        var level = base + Math.max(0, block.depth - 2);
        if (level <= 6) {
          node = doc.createElement("h" + level);
          inline(doc, node, block.text, options, false);
        } else {
          node = doc.createElement("p");
          var strong = doc.createElement("strong");
          inline(doc, strong, block.text, options, false);
          node.appendChild(strong);
        }
      } else if (block.type === "list") {
        node = buildList(doc, block, options);
      } else {
        node = doc.createElement("p");
        appendLines(doc, node, block.lines, options);
      }
      fragment.appendChild(node);
    });
    return fragment;
  }

  root.AskITMarkdown = { render: render, NEW_TAB_NOTE: NEW_TAB_NOTE };
})(typeof globalThis !== "undefined" ? globalThis : window);
