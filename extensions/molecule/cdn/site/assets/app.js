document.getElementById("app").textContent = "TraceTrack";
