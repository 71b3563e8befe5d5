/** What every node type folder provides (its model.ts) for the canvas and the palette. */
import type { LucideIcon } from "lucide-react";
import type { NodeFields, NodeType } from "../spec/types";

export interface NodeMeta {
  type: NodeType;
  title: string;
  /** One line for the palette. */
  hint: string;
  /** An SVG icon (lucide-react): drawn the same whatever fonts the machine has. */
  icon: LucideIcon;
  /** Fields of a node fresh from the palette. */
  defaults(): NodeFields;
  /** A short line under the label on the canvas ("payments.charge", "GET https://..."). */
  summary(fields: NodeFields): string;
  /** Problems visible without asking the server (shown in the inspector). */
  problems(fields: NodeFields): string[];
}
