// A table box that scrolls sideways (a wide table on a narrow screen) must be reachable by the keyboard, or its
// hidden columns cannot be scrolled to without a mouse: such a box gets tabindex 0 while it scrolls (the arrow
// keys then scroll it); a box that fits stays out of the tab order.
const BOXES = '.table-wrap, :not(.table-wrap) > table';

function mark(root: HTMLElement): void {
  for (const el of root.querySelectorAll<HTMLElement>(BOXES)) {
    const scrolls = el.scrollWidth > el.clientWidth + 1;
    if (scrolls && !el.hasAttribute('tabindex')) {
      el.tabIndex = 0;
      el.dataset.scrollFocus = '';
    } else if (!scrolls && el.dataset.scrollFocus !== undefined) {
      el.removeAttribute('tabindex');
      delete el.dataset.scrollFocus;
    }
  }
}

/** Keeps the scrolling boxes under `root` focusable as the page changes and the window is resized; returns the stop. */
export function focusableScrollers(root: HTMLElement): () => void {
  const run = () => mark(root);
  const observer = new MutationObserver(run);
  observer.observe(root, { childList: true, subtree: true });
  addEventListener('resize', run);
  run();
  return () => {
    observer.disconnect();
    removeEventListener('resize', run);
  };
}
