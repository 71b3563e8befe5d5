import type { NodeProps } from "@xyflow/react";
import { memo, useCallback } from "react";
import { BaseNode } from "../../graph/BaseNode";
import type { FlowNode } from "../../spec/graph";
import { choiceMeta } from "./model";

export const ChoiceView = memo(function ChoiceView(props: NodeProps<FlowNode>) {
  const rules = props.data.rules;
  const handleLabel = useCallback(
    (h: string) => (h === "default" ? "default" : rules?.find((r) => r.id === h)?.label || h),
    [rules],
  );
  return <BaseNode {...props} meta={choiceMeta} handleLabel={handleLabel} />;
});
