import type { NodeProps } from "@xyflow/react";
import { memo } from "react";
import { BaseNode } from "../../graph/BaseNode";
import type { FlowNode } from "../../spec/graph";
import { startMeta } from "./model";

export const StartView = memo(function StartView(props: NodeProps<FlowNode>) {
  return <BaseNode {...props} meta={startMeta} />;
});
