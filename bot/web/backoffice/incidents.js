/*
 * Known incidents (bot/backoffice/templates/incidents.html): a refused form comes back with its
 * problems listed first; that list takes the focus, so a screen reader reads it and Tab goes on
 * into the form. Without this script the pages work the same, but for the focus.
 */
(function () {
  "use strict";
  var problems = document.querySelector(".error-summary[data-focus]");
  if (problems) {
    problems.focus();
  }
})();
