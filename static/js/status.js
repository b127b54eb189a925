// Live progress without reloading: poll the status endpoint until the case leaves processing.
(function () {
  const list = document.getElementById("documents");
  if (!list) return;
  const url = list.dataset.statusUrl;
  const moving = new Set(["submitted", "processing"]);
  async function poll() {
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!response.ok) return;
      const status = await response.json();
      document.getElementById("case-state").textContent = status.state_label;
      for (const doc of status.documents) {
        const item = list.querySelector(`[data-kind="${doc.kind}"] .read-state`);
        if (item && doc.read_state) item.textContent = doc.read_state;
      }
      if (moving.has(status.state)) setTimeout(poll, 2000);
    } catch (error) {
      setTimeout(poll, 5000);
    }
  }
  poll();
})();
