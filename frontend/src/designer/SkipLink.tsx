/**
 * "Skip to the inspector": the first stop after the palette, before the canvas's nodes, for
 * keyboard users (visible only while focused). It moves the focus to the right-hand panel
 * (inspector, history or test run), from where Tab goes on into its fields.
 */
export const SIDE_PANEL_ID = "fd-side-panel";

/** Focus the editor's right-hand panel; false when there is none. */
export function focusSidePanel(): boolean {
  const panel = document.getElementById(SIDE_PANEL_ID);
  if (!panel) return false;
  panel.focus();
  return true;
}

export function SkipToSidePanel({ label }: { label: string }) {
  return (
    <a
      href={`#${SIDE_PANEL_ID}`}
      className="fd-skip-link"
      data-testid="skip-to-side-panel"
      onClick={(e) => {
        if (focusSidePanel()) e.preventDefault();
      }}
    >
      Skip the canvas: go to the {label.toLowerCase()}
    </a>
  );
}
