/* The Give form's small helpers. The form works without them: the server checks everything again. */
(function () {
  "use strict";

  function amounts(form) {
    var other = form.querySelector('input[name="other_amount"]');
    var otherChoice = form.querySelector('input[name="amount_choice"][value="other"]');
    if (!other || !otherChoice) return;
    // Typing an amount chooses "Other amount"; choosing a suggested amount clears what was typed.
    other.addEventListener("input", function () {
      if (other.value.trim()) otherChoice.checked = true;
    });
    form.querySelectorAll('input[name="amount_choice"]').forEach(function (radio) {
      if (radio === otherChoice) return;
      radio.addEventListener("change", function () {
        if (radio.checked) other.value = "";
      });
    });
  }

  function errors(form) {
    var summary = form.querySelector("#give-errors");
    if (!summary) return;
    // Chromium ignores autofocus on a page whose address has a fragment (#give), and moving to the fragment
    // may take the focus back to the page: focus the summary now and once the page has loaded, unless the
    // donor has already moved on.
    function focusSummary() {
      var active = document.activeElement;
      if (active && active !== document.body && active !== document.documentElement) return;
      var box = document.getElementById("give");
      summary.focus({ preventScroll: true });
      (box && box.contains(summary) ? box : summary).scrollIntoView({ block: "start" });
    }
    focusSummary();
    window.addEventListener("load", function () {
      window.setTimeout(focusSummary, 0);
    });
    // A link in the summary puts the cursor in its field, with the field's label in view.
    summary.addEventListener("click", function (event) {
      var link = event.target.closest('a[href^="#"]');
      var field = link && document.getElementById(link.getAttribute("href").slice(1));
      if (!field) return;
      event.preventDefault();
      field.focus({ preventScroll: true });
      field.scrollIntoView({ block: "center" });
    });
  }

  document.querySelectorAll("form.give-form").forEach(function (form) {
    amounts(form);
    errors(form);
  });
})();
