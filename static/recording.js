// The transcript follows the recording: the cue being said is highlighted, and a cue's
// time plays from there without reloading the page. Without script, each cue's link
// reloads the page at that moment (`?t=`), and the player starts there (`#t=`).
(function () {
  var player = document.getElementById("player");
  var cues = document.querySelectorAll("#transcript li[data-start]");
  if (!player || !cues.length) return;
  var current = null;
  function mark(cue) {
    if (cue === current) return;
    if (current) { current.classList.remove("current"); current.removeAttribute("aria-current"); }
    current = cue;
    if (cue) { cue.classList.add("current"); cue.setAttribute("aria-current", "true"); }
  }
  player.addEventListener("timeupdate", function () {
    var t = player.currentTime, found = null;
    for (var i = 0; i < cues.length; i++) {
      if (t >= parseFloat(cues[i].dataset.start) && t < parseFloat(cues[i].dataset.end)) { found = cues[i]; break; }
    }
    mark(found);
  });
  Array.prototype.forEach.call(cues, function (cue) {
    var link = cue.querySelector("a.cue-time");
    if (!link) return;
    link.addEventListener("click", function (event) {
      event.preventDefault();
      player.currentTime = parseFloat(cue.dataset.start);
      var playing = player.play();  // a browser may refuse or interrupt it: then it waits
      if (playing && playing.catch) playing.catch(function () {});
      mark(cue);
      history.replaceState(null, "", link.getAttribute("href"));
    });
  });
})();
