/** Every node type's model, by type (shared by the canvas, the palette and the console). */
import type { NodeType } from "../spec/types";
import { choiceMeta } from "./choice/model";
import { endMeta } from "./end/model";
import { failMeta } from "./fail/model";
import { httpMeta } from "./http/model";
import { humanMeta } from "./human/model";
import { joinMeta } from "./join/model";
import { loopMeta } from "./loop/model";
import { mapMeta } from "./map/model";
import { parallelMeta } from "./parallel/model";
import { signalMeta } from "./signal/model";
import { startMeta } from "./start/model";
import { subworkflowMeta } from "./subworkflow/model";
import { taskMeta } from "./task/model";
import type { NodeMeta } from "./types";
import { waitMeta } from "./wait/model";

export const NODE_META: Record<NodeType, NodeMeta> = {
  start: startMeta,
  end: endMeta,
  fail: failMeta,
  task: taskMeta,
  http: httpMeta,
  choice: choiceMeta,
  parallel: parallelMeta,
  join: joinMeta,
  wait: waitMeta,
  signal: signalMeta,
  subworkflow: subworkflowMeta,
  loop: loopMeta,
  map: mapMeta,
  human: humanMeta,
};
