/** A node type's icon: an inline SVG (lucide-react), so it never depends on the fonts installed. Decorative. */
import type { LucideIcon } from "lucide-react";

export function NodeIcon({ icon: Icon, size = 14, className }: { icon: LucideIcon; size?: number; className?: string }) {
  return <Icon size={size} strokeWidth={2} aria-hidden="true" focusable="false" className={className ?? "fd-icon"} data-icon="" />;
}
