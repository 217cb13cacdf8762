// Behaviour that used to be inline on*= handlers (issue 17): the Content-Security-Policy
// allows scripts only from this site, so markup asks with data- attributes instead.
//   data-print            a button that prints the page
//   data-select-on-focus  an input whose text is selected when it gets the focus
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target.closest("[data-print]") : null;
    if (target) {
      event.preventDefault();
      window.print();
    }
  });
  document.addEventListener("focusin", function (event) {
    var target = event.target;
    if (target instanceof HTMLInputElement && target.hasAttribute("data-select-on-focus")) {
      target.select();
    }
  });
})();
