/**
 * The node views by spec type. Defined once, at module scope: an inline object remounts the canvas.
 * A type not listed falls back to React Flow's "default", here the generic view.
 */
import type { NodeTypes } from "@xyflow/react";
import { GenericView } from "../nodes/_base/GenericView";
import { ChoiceView } from "../nodes/choice/View";
import { EndView } from "../nodes/end/View";
import { FailView } from "../nodes/fail/View";
import { HttpView } from "../nodes/http/View";
import { HumanView } from "../nodes/human/View";
import { JoinView } from "../nodes/join/View";
import { LoopView } from "../nodes/loop/View";
import { MapView } from "../nodes/map/View";
import { ParallelView } from "../nodes/parallel/View";
import { SignalView } from "../nodes/signal/View";
import { StartView } from "../nodes/start/View";
import { SubworkflowView } from "../nodes/subworkflow/View";
import { TaskView } from "../nodes/task/View";
import { WaitView } from "../nodes/wait/View";

export const nodeTypes: NodeTypes = {
  start: StartView,
  end: EndView,
  fail: FailView,
  task: TaskView,
  http: HttpView,
  choice: ChoiceView,
  parallel: ParallelView,
  join: JoinView,
  wait: WaitView,
  signal: SignalView,
  subworkflow: SubworkflowView,
  loop: LoopView,
  map: MapView,
  human: HumanView,
  // code runs only (engine/nodes/code.py)
  value: GenericView,
  workflow: GenericView,
  default: GenericView,
};
