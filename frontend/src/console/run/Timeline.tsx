/**
 * The run's events, oldest first, appended live. Windowed: only the rows in
 * view are in the DOM, so a run with 10,000 events opens and scrolls at once.
 * It follows the newest event while scrolled to the bottom.
 */
import { useLayoutEffect, useMemo, useRef, useState } from "react";
import type { RunEvent } from "../../api/runs";
import { JsonView } from "../common/JsonView";
import { Time } from "../common/Time";
import { clock } from "../format";
import { describeActor, describeEvent, eventTone } from "./describe";
import { EDIT_EVENTS, EditEventDiff } from "../data/EditEventDiff";

export const ROW_HEIGHT = 24;
const OVERSCAN = 12;

type Only = "all" | "operator" | "failures";

export function Timeline({ events, node, onPickNode }: { events: RunEvent[]; node: string | null; onPickNode(node: string): void }) {
  const [onlyNode, setOnlyNode] = useState(false);
  const [only, setOnly] = useState<Only>("all");
  const [picked, setPicked] = useState<number | null>(null);
  const shown = useMemo(() => {
    let list = events;
    if (node && onlyNode) list = list.filter((e) => e.node_id === node);
    if (only === "operator") list = list.filter((e) => e.type.startsWith("operator.") || e.type === "signal.received");
    if (only === "failures") list = list.filter((e) => eventTone(e) === "bad" || e.type === "step.retry_scheduled" || e.type === "run.stuck");
    return list;
  }, [events, node, onlyNode, only]);
  const pickedEvent = picked === null ? null : events.find((e) => e.seq === picked) ?? null;

  return (
    <section className="fc-timeline" aria-label="Timeline">
      <div className="fc-timeline__bar">
        <strong>Timeline</strong>
        <span className="fd-muted" data-testid="timeline-count">
          {shown.length === events.length ? `${events.length.toLocaleString()} events` : `${shown.length.toLocaleString()} of ${events.length.toLocaleString()} events`}
        </span>
        {node && (
          <label className="fd-check">
            <input type="checkbox" checked={onlyNode} onChange={(e) => setOnlyNode(e.target.checked)} /> only step {node}
          </label>
        )}
        <select aria-label="Show events" value={only} onChange={(e) => setOnly(e.target.value as Only)}>
          <option value="all">every event</option>
          <option value="failures">failures and retries</option>
          <option value="operator">operator actions and signals</option>
        </select>
      </div>
      <EventList events={shown} picked={picked} onPick={setPicked} onPickNode={onPickNode} />
      {pickedEvent && (
        <div className="fc-timeline__detail" data-testid="event-detail">
          <div className="fc-row">
            <strong>#{pickedEvent.seq} {pickedEvent.type}</strong>
            <span className="fd-muted"><Time iso={pickedEvent.created_at} /></span>
            {describeActor(pickedEvent) && <span>{describeActor(pickedEvent)}</span>}
            <span className="fc-spacer" />
            <button type="button" className="fd-icon-button" aria-label="Close event" onClick={() => setPicked(null)}>×</button>
          </div>
          {EDIT_EVENTS[pickedEvent.type] ? (
            <EditEventDiff event={pickedEvent} />
          ) : (
            <JsonView value={pickedEvent.payload} label="Event payload" />
          )}
        </div>
      )}
    </section>
  );
}

function EventList({ events, picked, onPick, onPickNode }: { events: RunEvent[]; picked: number | null; onPick(seq: number): void; onPickNode(node: string): void }) {
  const box = useRef<HTMLDivElement>(null);
  const [top, setTop] = useState(0);
  const [height, setHeight] = useState(300);
  const follow = useRef(true);
  const total = events.length * ROW_HEIGHT;

  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setHeight(el.clientHeight));
    observer.observe(el);
    setHeight(el.clientHeight);
    return () => observer.disconnect();
  }, []);

  // Keep the newest event in view while following.
  useLayoutEffect(() => {
    const el = box.current;
    if (el && follow.current) {
      el.scrollTop = el.scrollHeight;
      setTop(el.scrollTop);
    }
  }, [events.length, height]);

  const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(events.length, Math.ceil((top + height) / ROW_HEIGHT) + OVERSCAN);
  const rows = [];
  for (let i = first; i < last; i++) {
    const e = events[i];
    const actor = describeActor(e);
    rows.push(
      <div
        key={e.seq}
        className={`fc-event fc-event--${eventTone(e)}${picked === e.seq ? " is-picked" : ""}`}
        style={{ top: i * ROW_HEIGHT, height: ROW_HEIGHT }}
        data-testid="timeline-row"
        data-seq={e.seq}
        data-type={e.type}
        role="row"
        onClick={() => onPick(e.seq)}
      >
        <span className="fc-event__seq">#{e.seq}</span>
        <span className="fc-event__time" title={e.created_at}>{clock(e.created_at)}</span>
        <span className="fc-event__type">{e.type}</span>
        {e.node_id ? (
          <button type="button" className="fc-event__node" onClick={(ev) => { ev.stopPropagation(); onPickNode(e.node_id!); }} title={`Show step ${e.node_id}`}>
            {e.node_id}
          </button>
        ) : (
          <span className="fc-event__node" />
        )}
        <span className="fc-event__text" title={describeEvent(e)}>{describeEvent(e)}</span>
        {actor && (
          <span className={`fc-event__actor${e.actor === "system" ? " fc-event__actor--system" : ""}`} data-testid="event-actor" title={actor}>
            {actor}
          </span>
        )}
      </div>,
    );
  }
  return (
    <div
      ref={box}
      className="fc-events"
      role="table"
      aria-label="Run events"
      aria-rowcount={events.length}
      data-testid="timeline"
      data-last-seq={events.length ? events[events.length - 1].seq : 0}
      onScroll={(e) => {
        const el = e.currentTarget;
        setTop(el.scrollTop);
        follow.current = el.scrollTop + el.clientHeight >= el.scrollHeight - ROW_HEIGHT * 2;
      }}
    >
      <div style={{ height: total, position: "relative" }}>{rows}</div>
    </div>
  );
}
