// Progressive enhancements only: every page works without this file.
document.addEventListener("DOMContentLoaded", function () {
  // "Copy citation": shown only where the clipboard can be written.
  document.querySelectorAll("button.copy[data-copy]").forEach(function (button) {
    var field = document.getElementById(button.dataset.copy);
    if (!field || !navigator.clipboard) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var status = button.parentElement.querySelector(".copied");
      // A form field's value, or the text of an element (the citation's paragraph).
      var text = "value" in field ? field.value : field.textContent.trim();
      navigator.clipboard.writeText(text).then(function () {
        if (status) status.textContent = status.dataset.copiedMessage;
      });
    });
  });
  // The language and order menus apply themselves when changed.
  document.querySelectorAll("form.language select, #list-ordering").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
});
