import type { NodeProps } from "@xyflow/react";
import { memo } from "react";
import { BaseNode } from "../../graph/BaseNode";
import type { FlowNode } from "../../spec/graph";
import { waitMeta } from "./model";

export const WaitView = memo(function WaitView(props: NodeProps<FlowNode>) {
  return <BaseNode {...props} meta={waitMeta} />;
});
