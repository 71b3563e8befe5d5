/** The run page's action dialog: edit data and edit input open the per-field editor, every other action its own dialog. */
import { ActionDialog, type DialogRequest } from "../run/ActionDialogs";
import type { RunDetail } from "../../api/runs";
import { EditDialog } from "./EditDialog";

export function RunActionDialog(props: { request: DialogRequest; run: RunDetail; status: string; onDone(detail: RunDetail): void; onClose(): void }) {
  const action = props.request.action.action;
  if (action === "edit_data" || action === "edit_input") {
    return <EditDialog run={props.run} what={action === "edit_data" ? "data" : "input"} onDone={props.onDone} onClose={props.onClose} />;
  }
  return <ActionDialog {...props} />;
}
