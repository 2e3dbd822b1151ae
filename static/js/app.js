// Sends the page's CSRF token with every htmx request.
document.addEventListener("htmx:configRequest", function (event) {
  var meta = document.querySelector('meta[name="csrf-token"]');
  if (meta) {
    event.detail.headers["X-CSRF-Token"] = meta.content;
  }
});

// htmx drops 4xx and 5xx answers by default. The server answers a failed
// action with a Russian alert fragment, so show it in the action's target.
// A polled element, or one an action swaps, keeps its last content instead,
// so it goes on polling.
document.addEventListener("htmx:beforeSwap", function (event) {
  var status = event.detail.xhr.status;
  if (status < 400 || status === 401) {
    return;
  }
  if (polls(event.detail.elt) || polls(event.detail.target)) {
    return;
  }
  event.detail.shouldSwap = true;
  event.detail.isError = false;
});

function polls(element) {
  var trigger = (element && element.getAttribute("hx-trigger")) || "";
  return trigger.indexOf("every") === 0;
}
