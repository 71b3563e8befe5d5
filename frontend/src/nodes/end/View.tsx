import type { NodeProps } from "@xyflow/react";
import { memo } from "react";
import { BaseNode } from "../../graph/BaseNode";
import type { FlowNode } from "../../spec/graph";
import { endMeta } from "./model";

export const EndView = memo(function EndView(props: NodeProps<FlowNode>) {
  return <BaseNode {...props} meta={endMeta} />;
});
