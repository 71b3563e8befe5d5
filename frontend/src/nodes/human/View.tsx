import type { NodeProps } from "@xyflow/react";
import { memo, useMemo } from "react";
import { BaseNode } from "../../graph/BaseNode";
import type { FlowNode } from "../../spec/graph";
import { assigneeText, humanMeta } from "./model";

export const HumanView = memo(function HumanView(props: NodeProps<FlowNode>) {
  const { assignee, form } = props.data;
  const badges = useMemo(() => {
    const fields = Object.keys((form as { properties?: object } | undefined)?.properties ?? {}).length;
    return [assigneeText(assignee), fields ? `form: ${fields} field${fields === 1 ? "" : "s"}` : "no form"];
  }, [assignee, form]);
  return <BaseNode {...props} meta={humanMeta} badges={badges} />;
});
