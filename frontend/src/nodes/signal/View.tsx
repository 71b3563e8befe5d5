import type { NodeProps } from "@xyflow/react";
import { memo } from "react";
import { BaseNode } from "../../graph/BaseNode";
import type { FlowNode } from "../../spec/graph";
import { signalMeta } from "./model";

export const SignalView = memo(function SignalView(props: NodeProps<FlowNode>) {
  return <BaseNode {...props} meta={signalMeta} />;
});
