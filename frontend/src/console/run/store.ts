/**
 * The run page's state: one run's view (runView.ts), the socket that feeds
 * it, and a fresh detail fetched after events that change attempts, outputs
 * or the "why", and after events naming a node a code run's spec does not
 * have yet (codeRun.ts) (batched: one request in flight, one more queued at most).
 */
import { create } from "zustand";
import { allEvents, getRunDetail, TERMINAL, type RunDetail, type RunEvent } from "../../api/runs";
import { followRunEvents, type Connection, type SocketState } from "../../api/socket";
import { errorLines } from "../common/ConfirmDialog";
import { unknownNodeIds } from "./codeRun";
import { takePrefetched } from "./prefetch";
import { EMPTY_VIEW, needsDetail, withDetail, withEvents, type RunView } from "./runView";

const REFRESH_DELAY_MS = 150;
/**
 * A code run's new node is fetched this long after the first event naming it; the events of that
 * while join the same fetch (the timer is not pushed back, so a busy run still shows its new steps).
 */
export const NEW_NODE_DELAY_MS = 300;
/**
 * While a run is open (not finished), its detail is re-read this often: a worker found dead, a due retry and
 * the actions they allow show up without an event (durations tick on their own, from timestamps).
 */
const WHY_EVERY_MS = 10_000;

interface RunState extends RunView {
  runId: string | null;
  loadError: string | null;
  stream: SocketState;
  selected: string | null;
  /** performance.now() when the first full view (detail + every event) was shown. */
  loadedAt: number | null;
  open(id: string): void;
  close(): void;
  refresh(): void;
  /** An action's answer: the run's detail right after it. */
  acted(detail: RunDetail): void;
  select(nodeId: string | null): void;
}

let token = 0;
let connection: Connection | null = null;
let refreshing = false;
let again = false;
let refreshTimer: number | undefined;
let newNodeTimer: number | undefined;
/** Node ids of a code run already waited for since the last detail arrived. */
const asked = new Set<string>();
let whyTimer: number | undefined;

export const useRun = create<RunState>((set, get) => {
  const onEvents = (mine: number) => (events: RunEvent[]) => {
    if (mine !== token) return;
    set((s) => withEvents(s, events));
    if (events.some(needsDetail)) {
      window.clearTimeout(refreshTimer);
      refreshTimer = window.setTimeout(() => get().refresh(), REFRESH_DELAY_MS);
    }
    const unknown = unknownNodeIds(get().detail?.spec, events, asked);
    if (unknown.length) {
      for (const nodeId of unknown) asked.add(nodeId);
      if (newNodeTimer === undefined) newNodeTimer = window.setTimeout(() => get().refresh(), NEW_NODE_DELAY_MS);
    }
  };

  return {
    ...EMPTY_VIEW,
    runId: null,
    loadError: null,
    stream: "connecting",
    selected: null,
    loadedAt: null,

    open(id) {
      get().close();
      const mine = ++token;
      set({ ...EMPTY_VIEW, runId: id, loadError: null, stream: "connecting", selected: null, loadedAt: null });
      void (async () => {
        try {
          const early = takePrefetched(id);
          let detail: RunDetail;
          let events: RunEvent[];
          try {
            detail = early ? await early.detail : await getRunDetail(id);
          } catch (e) {
            if (!early) throw e;
            detail = await getRunDetail(id); // a failed prefetch: ask again, report that answer
          }
          if (mine !== token) return;
          set((s) => withDetail(s, detail));
          try {
            events = early ? await early.events : await allEvents(id, 0, detail.last_seq);
          } catch (e) {
            if (!early) throw e;
            events = await allEvents(id, 0, detail.last_seq);
          }
          if (mine !== token) return;
          set((s) => ({ ...withEvents(s, events), loadedAt: performance.now() }));
          connection = followRunEvents(id, get().lastSeq, onEvents(mine), (stream) => mine === token && set({ stream }));
          whyTimer = window.setInterval(() => {
            const s = get();
            if (document.visibilityState === "visible" && s.detail && !TERMINAL.has(s.status)) s.refresh();
          }, WHY_EVERY_MS);
        } catch (e) {
          if (mine === token) set({ loadError: errorLines(e).join(" ") });
        }
      })();
    },

    close() {
      token++;
      connection?.close();
      connection = null;
      window.clearTimeout(refreshTimer);
      window.clearTimeout(newNodeTimer);
      newNodeTimer = undefined;
      asked.clear();
      window.clearInterval(whyTimer);
      refreshing = again = false;
    },

    refresh() {
      const id = get().runId;
      if (!id) return;
      // Whatever this fetch (or the one it queues) reads covers the new nodes seen so far.
      window.clearTimeout(newNodeTimer);
      newNodeTimer = undefined;
      if (refreshing) {
        again = true;
        return;
      }
      refreshing = true;
      const mine = token;
      getRunDetail(id)
        .then((detail) => {
          if (mine !== token) return;
          asked.clear();
          set((s) => withDetail(s, detail));
        })
        .catch(() => undefined)
        .finally(() => {
          if (mine !== token) return;
          refreshing = false;
          if (again) {
            again = false;
            get().refresh();
          }
        });
    },

    acted(detail) {
      set((s) => withDetail(s, detail));
    },

    select(nodeId) {
      set({ selected: nodeId });
    },
  };
});
