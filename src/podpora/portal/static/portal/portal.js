// Refuse a too-large attachment as soon as it is chosen, instead of after a
// long upload. The server checks again; this only saves the person's time.
document.addEventListener("change", (event) => {
  const input = event.target;
  if (!(input instanceof HTMLInputElement) || input.type !== "file") return;
  const limit = Number(input.dataset.maxBytes || 0);
  if (!limit) return;
  const tooLarge = Array.from(input.files || []).filter((file) => file.size > limit);
  let notice = input.parentElement.querySelector(".portal-file-error");
  if (!tooLarge.length) {
    if (notice) notice.remove();
    return;
  }
  if (!notice) {
    notice = document.createElement("p");
    notice.className = "portal-file-error";
    notice.setAttribute("role", "alert");
    input.insertAdjacentElement("afterend", notice);
  }
  notice.textContent = `${input.dataset.tooLarge} ${tooLarge.map((f) => f.name).join(", ")}`;
  input.value = "";
});
