// Votes without a page reload. Without JavaScript the form posts and redirects back.
document.addEventListener("submit", async (event) => {
  const form = event.target;
  if (!form.matches("form.vote")) return;
  event.preventDefault();
  const button = form.querySelector("button");
  button.disabled = true;
  try {
    const response = await fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
    if (!response.ok) throw new Error(`vote failed: ${response.status}`);
    const state = await response.json();
    button.setAttribute("aria-pressed", String(state.voted));
    button.setAttribute("aria-label", `Upvote${state.voted ? "d" : ""} (${state.upvotes} votes)`);
    button.querySelector(".count").textContent = state.upvotes;
  } catch (error) {
    form.submit();
  } finally {
    button.disabled = false;
  }
});

// Copy buttons: <button data-copy="element-id">.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) return;
  const source = document.getElementById(button.dataset.copy);
  await navigator.clipboard.writeText(source.textContent);
  button.textContent = "Copied";
});

// Comment previews in place. Without JavaScript the Preview button posts the form to its
// own view, which answers with a preview page. The HTML is sanitized on the server
// (feed/comment_markup.py), the same HTML the posted comment will show.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-preview-url]");
  if (!button) return;
  event.preventDefault();
  const form = button.form;
  const box = form.querySelector(".comment-preview");
  const body = new FormData(form);
  body.delete("preview");
  const response = await fetch(button.dataset.previewUrl, {
    method: "POST",
    body,
    headers: { Accept: "application/json" },
    credentials: "same-origin",
  });
  const answer = await response.json();
  box.hidden = false;
  if (answer.error) {
    box.replaceChildren(Object.assign(document.createElement("p"), {
      className: "message error", textContent: answer.error,
    }));
  } else {
    box.innerHTML = answer.html;
  }
});
