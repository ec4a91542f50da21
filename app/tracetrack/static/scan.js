// Scan page: one input for both kinds of code. SB… selects the parent, CB… links a child to it.
(function () {
  "use strict";
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const form = document.getElementById("scan-form");
  const input = document.getElementById("scan-input");
  const message = document.getElementById("scan-message");
  const parentQr = document.getElementById("parent-qr");
  const progress = document.getElementById("progress");
  const progressText = document.getElementById("progress-text");
  const recent = document.getElementById("recent");

  function show(text, kind) {
    message.textContent = text;
    message.className = "flash " + kind;
    message.hidden = false;
  }

  function showParent(parent) {
    parentQr.textContent = parent.qr_id;
    progress.max = parent.capacity;
    progress.value = parent.child_count;
    progressText.textContent = parent.child_count + "/" + parent.capacity;
  }

  async function call(path, body) {
    const response = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body || {}),
      credentials: "same-origin",
    });
    const data = await response.json().catch(() => ({}));
    return { ok: response.ok, data: data };
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const code = input.value.trim().toUpperCase();
    input.value = "";
    input.focus();
    if (!code) return;
    const isParent = code.startsWith("SB");
    const result = await call(isParent ? "/api/v1/scans/parent" : "/api/v1/scans/child", { qr_id: code });
    if (!result.ok) {
      show(result.data.error ? result.data.error.message : "Scan failed; try again.", "error");
      if (result.data.error && result.data.error.details && result.data.error.details.parent) {
        showParent(result.data.error.details.parent);
      }
      return;
    }
    showParent(result.data.parent);
    if (isParent) {
      show("Parent " + code + " selected.", "ok");
    } else {
      show(code + " added (" + result.data.parent.child_count + "/" + result.data.parent.capacity + ").", "ok");
      const item = document.createElement("li");
      item.textContent = code;
      item.dataset.eventId = result.data.event_id;
      recent.prepend(item);
    }
  });

  // Undo names the scan it undoes (the newest one listed), so a double click or a retry undoes it once.
  const undoButton = document.getElementById("undo");
  undoButton.addEventListener("click", async () => {
    const item = recent.firstChild;
    if (!item) {
      show("No child scan to undo on this page.", "error");
      return;
    }
    undoButton.disabled = true;
    try {
      const result = await call("/api/v1/scans/undo", { event_id: Number(item.dataset.eventId) });
      if (!result.ok) {
        show(result.data.error ? result.data.error.message : "Undo failed.", "error");
        return;
      }
      showParent(result.data.parent);
      show(result.data.undone.child_qr_id + " removed from " + result.data.undone.parent_qr_id + ".", "ok");
      item.remove();
    } finally {
      undoButton.disabled = false;
    }
  });

  async function loadCurrent() {
    const response = await fetch("/api/v1/scans/current", { credentials: "same-origin" });
    if (!response.ok) return;
    const data = await response.json();
    if (data.parent) showParent(data.parent);
  }

  if (document.getElementById("scanner").dataset.currentParent) loadCurrent();
})();
