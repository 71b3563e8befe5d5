/** The nav's count of open tasks for you: loaded with the console, kept fresh by the Inbox page. */
import { useEffect } from "react";
import { create } from "zustand";
import { listInbox } from "../../api/inbox";

interface CountState {
  count: number | null;
  set(count: number): void;
  refresh(): void;
}

export const useInboxCount = create<CountState>((set) => ({
  count: null,
  set: (count) => set({ count }),
  refresh() {
    listInbox().then((inbox) => set({ count: inbox.open_count }), () => undefined);
  },
}));

/** The count, refreshed every `everyMs`. */
export function useOpenTaskCount(everyMs = 30_000): number | null {
  const count = useInboxCount((s) => s.count);
  useEffect(() => {
    useInboxCount.getState().refresh();
    const timer = setInterval(() => useInboxCount.getState().refresh(), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return count;
}
