/**
 * The view of any node type without one of its own: code runs' "value" and
 * "workflow", and any type this build does not know (React Flow falls back to
 * "default" for those and passes that as `type`: the node's own is read back).
 */
import { useStore, type NodeProps } from "@xyflow/react";
import { memo } from "react";
import { BaseNode } from "../../graph/BaseNode";
import type { FlowNode } from "../../spec/graph";
import { genericMeta } from "./generic";

export const GenericView = memo(function GenericView(props: NodeProps<FlowNode>) {
  const own = useStore((s) => s.nodeLookup.get(props.id)?.type) ?? props.type;
  // Not a spec type: BaseNode treats it as any other one-way node (a target, one "next" handle).
  return <BaseNode {...props} type={own as FlowNode["type"]} meta={genericMeta(own)} />;
});
