/** Which rows of a long list to render for a scroll position: the visible ones plus `overscan`. */
export function visibleWindow(options: {
  total: number;
  rowHeight: number;
  scrollTop: number;
  viewportHeight: number;
  overscan?: number;
}): { start: number; end: number; before: number; after: number } {
  const overscan = options.overscan ?? 8;
  const first = Math.floor(Math.max(0, options.scrollTop) / options.rowHeight);
  const count = Math.ceil(options.viewportHeight / options.rowHeight);
  const start = Math.max(0, first - overscan);
  const end = Math.min(options.total, first + count + overscan);
  return {
    start,
    end,
    before: start * options.rowHeight,
    after: Math.max(0, (options.total - end) * options.rowHeight),
  };
}
