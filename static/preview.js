// Live preview of the testimony body: the server renders it exactly as the record page
// will (the form's Preview button does the same without JavaScript).
(function () {
  var form = document.querySelector("form.record-form");
  var body = document.getElementById("f-body");
  var preview = document.getElementById("preview");
  if (!form || !body || !preview || !window.fetch) return;
  var timer = null;
  function refresh() {
    var data = new FormData();
    data.append("csrf_token", form.elements["csrf_token"].value);
    data.append("body", body.value);
    data.append("language", form.elements["language"].value);
    fetch(form.dataset.preview || "/preview", {method: "POST", body: data, credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html !== null) preview.innerHTML = html; });
  }
  body.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 300);
  });
})();
