// The frontend's build output goes here (npm run build); this placeholder only shows the API is reachable.
fetch("/api/auth/diagnostic").then((r) => { document.getElementById("root").textContent = `API: ${r.status}`; });
