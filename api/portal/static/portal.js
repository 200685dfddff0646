// The portal's only script: a print button, and reading a chosen credential file into the text
// box so that the person sees what will be checked (the form also works without it).
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("[data-print]")) {
    button.addEventListener("click", () => window.print());
  }
  const file = document.getElementById("file");
  const box = document.getElementById("document");
  if (file && box) {
    file.addEventListener("change", () => {
      const chosen = file.files && file.files[0];
      if (!chosen) return;
      const reader = new FileReader();
      reader.onload = () => { box.value = String(reader.result); };
      reader.readAsText(chosen);
    });
  }
});
