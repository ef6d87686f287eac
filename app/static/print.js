// "Print" buttons (data-print): a script file, not an onclick attribute, so that the pages'
// Content-Security-Policy can refuse every inline script.
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) window.print();
});
