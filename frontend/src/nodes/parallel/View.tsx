import type { NodeProps } from "@xyflow/react";
import { memo } from "react";
import { BaseNode } from "../../graph/BaseNode";
import type { FlowNode } from "../../spec/graph";
import { parallelMeta } from "./model";

export const ParallelView = memo(function ParallelView(props: NodeProps<FlowNode>) {
  return <BaseNode {...props} meta={parallelMeta} />;
});
