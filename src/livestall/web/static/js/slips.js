// The packing slips page: its Print button (one slip a page, see shipping.css).
document.querySelector("[data-print]")?.addEventListener("click", () => window.print());
