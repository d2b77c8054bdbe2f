/* Plays exactly the cited stretch of the recording for an evidence quote's play button. No inline scripts:
   the page's CSP is default-src 'self'. */
(function () {
  "use strict";
  var timer = null;

  function stopAt(audio, end) {
    if (timer) { clearInterval(timer); }
    timer = setInterval(function () {
      if (audio.paused || audio.currentTime >= end) {
        if (!audio.paused) { audio.pause(); }
        clearInterval(timer);
        timer = null;
      }
    }, 40);
  }

  function play(button) {
    var audio = document.getElementById("meeting-audio");
    var status = document.getElementById("audio-status");
    if (!audio) { return; }
    var start = parseFloat(button.getAttribute("data-start"));
    var end = parseFloat(button.getAttribute("data-end"));
    var go = function () {
      audio.currentTime = start;
      var playing = audio.play();
      if (playing && playing.catch) {
        playing.catch(function () { if (status) { status.textContent = "The browser could not play the recording."; } });
      }
      stopAt(audio, end);
      if (status) { status.textContent = "Playing " + button.getAttribute("data-label"); }
    };
    if (audio.readyState < 1) {
      audio.addEventListener("loadedmetadata", go, { once: true });
      audio.load();
    } else {
      go();
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button.play") : null;
    if (button) { event.preventDefault(); play(button); }
  });
})();
