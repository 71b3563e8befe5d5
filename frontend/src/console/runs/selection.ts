/** Checked rows of the runs list: click toggles one, shift-click sets the range from the last clicked row. */

export function toggleRows(
  ids: readonly string[],
  selected: ReadonlySet<string>,
  id: string,
  checked: boolean,
  opts: { anchor?: string | null; shift?: boolean } = {},
): Set<string> {
  const next = new Set(selected);
  const from = opts.anchor ? ids.indexOf(opts.anchor) : -1;
  const to = ids.indexOf(id);
  if (opts.shift && from >= 0 && to >= 0) {
    const [a, b] = from < to ? [from, to] : [to, from];
    for (const rowId of ids.slice(a, b + 1)) {
      if (checked) next.add(rowId);
      else next.delete(rowId);
    }
    return next;
  }
  if (checked) next.add(id);
  else next.delete(id);
  return next;
}

/** The page's header checkbox: every row on the page checked, some, or none. */
export function pageState(ids: readonly string[], selected: ReadonlySet<string>): "all" | "some" | "none" {
  const n = ids.filter((id) => selected.has(id)).length;
  return n === 0 ? "none" : n === ids.length ? "all" : "some";
}

/** Select every row on the page, or (all already checked) none of them; rows of other pages stay as they are. */
export function togglePage(ids: readonly string[], selected: ReadonlySet<string>): Set<string> {
  const next = new Set(selected);
  const all = pageState(ids, selected) === "all";
  for (const id of ids) {
    if (all) next.delete(id);
    else next.add(id);
  }
  return next;
}
