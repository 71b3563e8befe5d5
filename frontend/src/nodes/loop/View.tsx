import type { NodeProps } from "@xyflow/react";
import { memo, useMemo } from "react";
import { BaseNode } from "../../graph/BaseNode";
import type { FlowNode } from "../../spec/graph";
import { nodeCount } from "../_base/subFlow";
import { loopMeta } from "./model";

export const LoopView = memo(function LoopView(props: NodeProps<FlowNode>) {
  const flow = props.data.flow;
  const badges = useMemo(() => [`sub-flow: ${nodeCount(flow)}`], [flow]);
  return <BaseNode {...props} meta={loopMeta} badges={badges} />;
});
