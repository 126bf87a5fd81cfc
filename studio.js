() => {
  // Gradio 6.31's Sketchpad opens with no tool selected, and its "Clear canvas" button
  // deselects the brush and resets the zoom to 100 % (strokes then leave no ink). Each canvas
  // gets the brush once it exists, and the brush and "Fit to screen" again after every clear.
  const fit = (root) => {
    const zoom = root.querySelector(".zoom-number [role=button]");
    if (!zoom) return;
    zoom.click();
    setTimeout(() => {
      const item = [...root.querySelectorAll(".zoom-number *")]
        .find((e) => e.children.length === 0 && e.textContent.trim() === "Fit to screen");
      if (item) item.click(); else zoom.click();  // close the menu again
    }, 50);
  };
  const settle = (id, refit) => {
    const timer = setInterval(() => {
      const root = document.getElementById(id);
      const brush = root && root.querySelector('button[aria-label="Brush"]');
      if (!brush || !root.querySelector(".pixi-target canvas")) return;
      clearInterval(timer);
      if (!brush.classList.contains("highlight")) brush.click();
      if (refit) fit(root);
    }, 100);
    setTimeout(() => clearInterval(timer), 30000);
  };
  window.digitStudio = { settle };
  document.addEventListener("click", (event) => {
    const clear = event.target.closest && event.target.closest('button[aria-label="Clear canvas"]');
    const root = clear && clear.closest("#sketch, #number-sketch");
    if (root) setTimeout(() => settle(root.id, true), 0);
  }, true);
  settle("sketch", false);
}
