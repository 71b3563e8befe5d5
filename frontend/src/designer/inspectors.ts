/** The inspector panel of each node type (designer-only; the console never loads these). */
import type { ComponentType } from "react";
import { ChoiceInspector } from "../nodes/choice/Inspector";
import { EndInspector } from "../nodes/end/Inspector";
import { FailInspector } from "../nodes/fail/Inspector";
import { HttpInspector } from "../nodes/http/Inspector";
import { HumanInspector } from "../nodes/human/Inspector";
import { JoinInspector } from "../nodes/join/Inspector";
import { LoopInspector } from "../nodes/loop/Inspector";
import { MapInspector } from "../nodes/map/Inspector";
import { ParallelInspector } from "../nodes/parallel/Inspector";
import { SignalInspector } from "../nodes/signal/Inspector";
import { StartInspector } from "../nodes/start/Inspector";
import { SubworkflowInspector } from "../nodes/subworkflow/Inspector";
import { TaskInspector } from "../nodes/task/Inspector";
import { WaitInspector } from "../nodes/wait/Inspector";
import type { NodeType } from "../spec/types";
import type { InspectorProps } from "../nodes/_base/inspectorTypes";

export const INSPECTORS: Record<NodeType, ComponentType<InspectorProps>> = {
  start: StartInspector,
  end: EndInspector,
  fail: FailInspector,
  task: TaskInspector,
  http: HttpInspector,
  choice: ChoiceInspector,
  parallel: ParallelInspector,
  join: JoinInspector,
  wait: WaitInspector,
  signal: SignalInspector,
  subworkflow: SubworkflowInspector,
  loop: LoopInspector,
  map: MapInspector,
  human: HumanInspector,
};
