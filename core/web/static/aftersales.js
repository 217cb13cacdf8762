// Behaviour that used to be inline on*= handlers (issue 17): the Content-Security-Policy
// allows scripts only from this site, so markup asks with data- attributes instead.
//   data-print            a button that prints the page
//   data-select-on-focus  an input whose text is selected when it gets the focus
//   data-enter-looks-up   an input where Enter (what a barcode scanner sends) fires the
//                         htmx "lookup" trigger instead of submitting the form (issue 18);
//                         htmx trigger filters would need eval, which the CSP forbids
//   data-copy="ID"        a button that copies the value of the input #ID to the clipboard
//                         (the customer's status link, issue 18) and says so on itself
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target.closest("[data-print]") : null;
    if (target) {
      event.preventDefault();
      window.print();
    }
    var copy = event.target instanceof Element ? event.target.closest("[data-copy]") : null;
    if (copy) {
      event.preventDefault();
      var source = document.getElementById(copy.getAttribute("data-copy"));
      if (!source) {
        return;
      }
      source.select();
      var done = function () {
        copy.textContent = copy.getAttribute("data-copied") || copy.textContent;
      };
      var fallback = function () {
        source.select();
        if (document.execCommand("copy")) {
          done();
        }
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(source.value).then(done, fallback);
      } else {
        fallback();
      }
    }
  });
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.key === "Enter" && target instanceof HTMLInputElement &&
        target.hasAttribute("data-enter-looks-up")) {
      event.preventDefault();
      if (window.htmx) {
        window.htmx.trigger(target, "lookup");
      }
    }
  });
  document.addEventListener("focusin", function (event) {
    var target = event.target;
    if (target instanceof HTMLInputElement && target.hasAttribute("data-select-on-focus")) {
      target.select();
    }
  });
})();
