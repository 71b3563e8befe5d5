import type { NodeProps } from "@xyflow/react";
import { memo } from "react";
import { BaseNode } from "../../graph/BaseNode";
import type { FlowNode } from "../../spec/graph";
import { viewBadges } from "../_base/badges";
import { httpMeta } from "./model";

export const HttpView = memo(function HttpView(props: NodeProps<FlowNode>) {
  return <BaseNode {...props} meta={httpMeta} badges={viewBadges(props.data)} />;
});
