import type { NodeProps } from "@xyflow/react";
import { memo } from "react";
import { BaseNode } from "../../graph/BaseNode";
import type { FlowNode } from "../../spec/graph";
import { subworkflowMeta } from "./model";

export const SubworkflowView = memo(function SubworkflowView(props: NodeProps<FlowNode>) {
  return <BaseNode {...props} meta={subworkflowMeta} />;
});
