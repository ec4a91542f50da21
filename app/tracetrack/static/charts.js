// Dashboard charts drawn as SVG from the figures embedded in the page; refreshed every 30 seconds.
(function () {
  "use strict";
  const NS = "http://www.w3.org/2000/svg";
  const W = 600, H = 200, PAD = { left: 36, right: 8, top: 10, bottom: 22 };

  function el(name, attrs, text) {
    const node = document.createElementNS(NS, name);
    for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function frame(svg, labels, max) {
    svg.replaceChildren();
    svg.setAttribute("viewBox", "0 0 " + W + " " + H);
    svg.setAttribute("preserveAspectRatio", "none");
    const plotH = H - PAD.top - PAD.bottom;
    for (const fraction of [0, 0.5, 1]) {
      const y = PAD.top + plotH * (1 - fraction);
      svg.append(el("line", { x1: PAD.left, x2: W - PAD.right, y1: y, y2: y, stroke: "#e3e8ee" }));
      svg.append(el("text", { x: 2, y: y + 3 }, String(Math.round(max * fraction))));
    }
    const step = (W - PAD.left - PAD.right) / labels.length;
    const every = Math.ceil(labels.length / 8);
    labels.forEach((label, i) => {
      if (i % every === 0) svg.append(el("text", { x: PAD.left + i * step, y: H - 6 }, label));
    });
    return { step: step, plotH: plotH };
  }

  function bars(svg, labels, values) {
    const max = Math.max(1, ...values);
    const f = frame(svg, labels, max);
    values.forEach((value, i) => {
      const h = (value / max) * f.plotH;
      const bar = el("rect", {
        class: "s1", x: PAD.left + i * f.step + 1, y: PAD.top + f.plotH - h,
        width: Math.max(1, f.step - 2), height: h,
      });
      bar.append(el("title", {}, labels[i] + ": " + value));
      svg.append(bar);
    });
  }

  function lines(svg, labels, series) {
    const max = Math.max(1, ...series.flatMap((s) => s.values));
    const f = frame(svg, labels, max);
    series.forEach((s) => {
      const points = s.values.map((v, i) =>
        (PAD.left + (i + 0.5) * f.step) + "," + (PAD.top + f.plotH - (v / max) * f.plotH));
      svg.append(el("polyline", { class: s.cls, points: points.join(" ") }));
    });
  }

  function draw(stats) {
    bars(document.getElementById("chart-hourly"), stats.scans_per_hour.labels, stats.scans_per_hour.values);
    lines(document.getElementById("chart-daily"), stats.per_day.labels, [
      { cls: "s1", values: stats.per_day.scans },
      { cls: "s2", values: stats.per_day.bags_filled },
      { cls: "s3", values: stats.per_day.bills_dispatched },
    ]);
    document.getElementById("today-scans").textContent = stats.today.scans;
    document.getElementById("today-filled").textContent = stats.today.bags_filled;
    document.getElementById("today-dispatched").textContent = stats.today.bills_dispatched;
  }

  draw(JSON.parse(document.getElementById("dashboard-data").textContent));
  setInterval(async () => {
    const response = await fetch("/api/v1/dashboard/stats", { credentials: "same-origin" });
    if (response.ok) draw(await response.json());
  }, 30000);
})();
