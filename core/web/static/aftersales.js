// Behaviour that used to be inline on*= handlers (issue 17): the Content-Security-Policy
// allows scripts only from this site, so markup asks with data- attributes instead.
//   data-print            a button that prints the page
//   data-select-on-focus  an input whose text is selected when it gets the focus
//   data-enter-looks-up   an input where Enter (what a barcode scanner sends) fires the
//                         htmx "lookup" trigger instead of submitting the form (issue 18);
//                         htmx trigger filters would need eval, which the CSP forbids
//   every POST form       gets an idempotency_key (issue 10): the same key for a double click
//                         or a retry of one submission, a new one after each answer, so the
//                         server acts once (core/web/idempotency.py)
//   data-copy="ID"        a button that copies the value of the input #ID to the clipboard
//                         (the customer's status link, issue 18) and says so on itself
(function () {
  "use strict";
  var KEY = "idempotency_key";
  function newKey() {  // crypto.randomUUID needs HTTPS; an office LAN may serve plain HTTP
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }
  function keyOf(element) {
    if (!element.dataset.idempotencyKey) {
      element.dataset.idempotencyKey = newKey();
    }
    return element.dataset.idempotencyKey;
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || (form.method || "").toLowerCase() !== "post") {
      return;
    }
    var field = form.querySelector("input[name='" + KEY + "']");
    if (!field) {
      field = document.createElement("input");
      field.type = "hidden";
      field.name = KEY;
      form.appendChild(field);
    }
    field.value = keyOf(form);
  }, true);
  document.addEventListener("htmx:configRequest", function (event) {
    var detail = event.detail;
    if (detail.verb === "get") {
      return;
    }
    var owner = detail.elt.closest("form") || detail.elt;
    detail.parameters[KEY] = keyOf(owner);
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var owner = event.detail.elt.closest("form") || event.detail.elt;
    if (event.detail.successful) {
      delete owner.dataset.idempotencyKey;  // the next submission is a new request
    }
  });
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
