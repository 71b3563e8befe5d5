import type { NodeProps } from "@xyflow/react";
import { memo } from "react";
import { BaseNode } from "../../graph/BaseNode";
import type { FlowNode } from "../../spec/graph";
import { viewBadges } from "../_base/badges";
import { taskMeta } from "./model";

export const TaskView = memo(function TaskView(props: NodeProps<FlowNode>) {
  return <BaseNode {...props} meta={taskMeta} badges={viewBadges(props.data)} />;
});
