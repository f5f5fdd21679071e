// "Add condition" / "Add action": copy the last empty row of a Django formset
// with the next index and raise TOTAL_FORMS, so long rules need no reload.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-add-row]");
  if (!button) return;
  const prefix = button.dataset.addRow;
  const total = document.getElementById(`id_${prefix}-TOTAL_FORMS`);
  const rows = document.querySelectorAll(`[data-formset="${prefix}"] tr.formset-row`);
  const last = rows[rows.length - 1];
  if (!total || !last) return;
  const index = Number(total.value);
  const copy = last.cloneNode(true);
  const pattern = new RegExp(`${prefix}-\\d+-`, "g");
  copy.querySelectorAll("input, select, textarea").forEach((field) => {
    field.name = field.name.replace(pattern, `${prefix}-${index}-`);
    field.id = field.id.replace(pattern, `${prefix}-${index}-`);
    if (field.tagName === "SELECT") field.selectedIndex = 0;
    else field.value = "";
  });
  last.parentNode.appendChild(copy);
  total.value = String(index + 1);
  copy.querySelector("select, input")?.focus();
});
