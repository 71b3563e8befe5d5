import type { NodeProps } from "@xyflow/react";
import { memo, useMemo } from "react";
import { BaseNode } from "../../graph/BaseNode";
import type { FlowNode } from "../../spec/graph";
import { nodeCount } from "../_base/subFlow";
import { mapMeta, toleranceBadge } from "./model";

export const MapView = memo(function MapView(props: NodeProps<FlowNode>) {
  const { flow, tolerated_failures } = props.data;
  const badges = useMemo(() => {
    const tolerance = toleranceBadge(tolerated_failures);
    return tolerance ? [`sub-flow: ${nodeCount(flow)}`, tolerance] : [`sub-flow: ${nodeCount(flow)}`];
  }, [flow, tolerated_failures]);
  return <BaseNode {...props} meta={mapMeta} badges={badges} />;
});
