import type { NodeProps } from "@xyflow/react";
import { memo } from "react";
import { BaseNode } from "../../graph/BaseNode";
import type { FlowNode } from "../../spec/graph";
import { failMeta } from "./model";

export const FailView = memo(function FailView(props: NodeProps<FlowNode>) {
  return <BaseNode {...props} meta={failMeta} />;
});
