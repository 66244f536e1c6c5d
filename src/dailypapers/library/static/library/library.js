// Save and "Not interested" without a page reload. Without JavaScript the forms post and
// redirect back. Each form carries the state it asks for, so a retry cannot undo itself.
const TOGGLES = {
  save: { field: "saved", key: "saved", on: "Saved", off: "Save" },
  dismiss: { field: "dismissed", key: "dismissed", on: "Not interested ✓", off: "Not interested" },
};

document.addEventListener("submit", async (event) => {
  const form = event.target;
  const kind = Object.keys(TOGGLES).find((name) => form.matches(`form.${name}`));
  if (!kind) return;
  event.preventDefault();
  const toggle = TOGGLES[kind];
  const button = form.querySelector("button");
  const wanted = form.elements[toggle.field];
  button.disabled = true;
  try {
    const response = await fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
    if (response.status === 409) {
      const refusal = await response.json();
      button.title = refusal.error;
      return;
    }
    if (!response.ok) throw new Error(`${kind} failed: ${response.status}`);
    const state = (await response.json())[toggle.key];
    button.setAttribute("aria-pressed", String(state));
    button.textContent = state ? toggle.on : toggle.off;
    wanted.value = state ? "0" : "1";
  } catch (error) {
    form.submit();
  } finally {
    button.disabled = false;
  }
});
