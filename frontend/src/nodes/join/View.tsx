import type { NodeProps } from "@xyflow/react";
import { memo } from "react";
import { BaseNode } from "../../graph/BaseNode";
import type { FlowNode } from "../../spec/graph";
import { joinMeta } from "./model";

export const JoinView = memo(function JoinView(props: NodeProps<FlowNode>) {
  return <BaseNode {...props} meta={joinMeta} />;
});
