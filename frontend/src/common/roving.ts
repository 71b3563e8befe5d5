/**
 * A roving tabindex (WAI-ARIA Authoring Practices, "keyboard navigation inside components"): a
 * group of items is a single tab stop; the arrow keys, Home and End move between its items. The
 * item last focused keeps the tab stop; the first one has it until then, or when that one goes.
 */
import { useCallback, useRef, useState, type KeyboardEvent } from "react";

export interface Roving {
  /** The key of the item that is the tab stop (null: no items). */
  active: string | null;
  /** Props for the item `key`: its tabIndex, a ref, and focus tracking. */
  itemProps(key: string): { tabIndex: 0 | -1; ref(el: HTMLElement | null): void; onFocus(): void };
  /** For the group's keydown: moves the focus and keeps the tab stop with it. */
  onKeyDown(event: KeyboardEvent): void;
  /** Focus the tab stop's item (e.g. ArrowDown from a search box above the group). */
  focusActive(): void;
}

const NEXT = new Set(["ArrowDown", "ArrowRight"]);
const PREVIOUS = new Set(["ArrowUp", "ArrowLeft"]);

export function useRovingFocus(keys: readonly string[]): Roving {
  const [current, setCurrent] = useState<string | null>(null);
  const elements = useRef(new Map<string, HTMLElement>());
  const active = current !== null && keys.includes(current) ? current : keys[0] ?? null;

  const focus = useCallback((key: string | null) => {
    if (key === null) return;
    setCurrent(key);
    elements.current.get(key)?.focus();
  }, []);

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.altKey || event.ctrlKey || event.metaKey || !keys.length) return;
    const at = Math.max(0, active === null ? 0 : keys.indexOf(active));
    let to: number;
    if (NEXT.has(event.key)) to = Math.min(keys.length - 1, at + 1);
    else if (PREVIOUS.has(event.key)) to = Math.max(0, at - 1);
    else if (event.key === "Home") to = 0;
    else if (event.key === "End") to = keys.length - 1;
    else return;
    event.preventDefault();
    focus(keys[to]);
  };

  return {
    active,
    itemProps: (key) => ({
      tabIndex: key === active ? 0 : -1,
      ref: (el) => {
        if (el) elements.current.set(key, el);
        else elements.current.delete(key);
      },
      onFocus: () => setCurrent(key),
    }),
    onKeyDown,
    focusActive: () => focus(active),
  };
}
