// A form with data-confirm="question" is sent only if the visitor says yes
// (SpaceDock asks before deleting a version, in a dialog of its own).
"use strict";
for (const form of document.querySelectorAll("form[data-confirm]")) {
  form.addEventListener("submit", (event) => {
    if (!window.confirm(form.dataset.confirm)) event.preventDefault();
  });
}
