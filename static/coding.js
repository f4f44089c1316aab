// Coding a passage: select words in the body, choose a motive, and the selection is wrapped
// in [words]{.motive term="..."}; the motive is ticked among the stated motives. Without
// JavaScript the tool stays hidden and the syntax is typed by hand (the hint shows it).
(function () {
  var tool = document.querySelector(".coding-tool");
  var body = document.getElementById("f-body");
  var choice = document.getElementById("code-motive");
  var button = document.getElementById("code-selection");
  if (!tool || !body || !choice || !button) return;
  var status = tool.querySelector(".coding-status");
  tool.hidden = false;
  button.addEventListener("click", function () {
    var start = body.selectionStart, end = body.selectionEnd;
    var words = body.value.slice(start, end);
    if (!words.trim()) { status.textContent = button.dataset.empty; return; }
    if (/\n\s*\n/.test(words)) { status.textContent = button.dataset.across; return; }
    var term = choice.value.replace(/"/g, "");
    var coded = "[" + words + "]{.motive term=\"" + term + "\"}";
    body.setRangeText(coded, start, end, "select");
    body.dispatchEvent(new Event("input", {bubbles: true}));  // the live preview follows
    var boxes = document.querySelectorAll("input[name=motives][type=checkbox]");
    for (var i = 0; i < boxes.length; i++) { if (boxes[i].value === choice.value) boxes[i].checked = true; }
    status.textContent = button.dataset.done.replace("{motive}", choice.value);
    body.focus();
  });
})();
