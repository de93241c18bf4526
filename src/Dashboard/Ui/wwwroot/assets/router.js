// In-app navigation (History API). app.js registers the renderer; pages call navigate().
let renderer = () => {};

export function onNavigate(render) {
  renderer = render;
}

/** Goes to a URL of the app without reloading the page. */
export function navigate(url, { replaceState = false } = {}) {
  const target = new URL(url, location.origin);
  if (replaceState) history.replaceState(null, '', target);
  else history.pushState(null, '', target);
  renderer();
}

/** Updates the query string of the current page without rendering again. */
export function setQuery(params) {
  const url = new URL(location.href);
  url.search = '';
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(key, value);
  }
  history.replaceState(null, '', url);
}
