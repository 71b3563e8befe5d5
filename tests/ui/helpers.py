"""Canvas gestures for Playwright: palette drops, handle-to-handle connections."""
from __future__ import annotations


def canvas_point(page, x: float, y: float) -> dict:
    box = page.locator(".react-flow__pane").bounding_box()
    return {"x": box["x"] + x, "y": box["y"] + y}


def drop(page, palette_testid: str, x: float, y: float) -> None:
    """Drag a palette item onto the canvas at (x, y) from the pane's top-left corner."""
    page.get_by_test_id(palette_testid).drag_to(page.locator(".react-flow__pane"), target_position={"x": x, "y": y})


def node(page, node_id: str):
    return page.locator(f'.react-flow__node[data-id="{node_id}"]')


def connect(page, source: str, target: str, handle: str = "next") -> None:
    """Drag from `source`'s exit handle to `target`'s entry handle, as a person would."""
    start = node(page, source).locator(f'.react-flow__handle.source[data-handleid="{handle}"]').bounding_box()
    end = node(page, target).locator(".react-flow__handle.target").bounding_box()
    sx, sy = start["x"] + start["width"] / 2, start["y"] + start["height"] / 2
    tx, ty = end["x"] + end["width"] / 2, end["y"] + end["height"] / 2
    page.mouse.move(sx, sy)
    page.mouse.down()
    page.mouse.move((sx + tx) / 2, (sy + ty) / 2, steps=5)
    page.mouse.move(tx, ty, steps=5)
    page.mouse.up()


def select_node(page, node_id: str) -> None:
    node(page, node_id).locator(".fd-node__label").click()


def rename_selected(page, new_id: str, label: str | None = None) -> None:
    field = page.get_by_label("Node id", exact=True)
    field.fill(new_id)
    field.press("Enter")
    if label is not None:
        page.get_by_label("Label", exact=True).fill(label)


def pane_box_of(page, node_id: str) -> dict:
    """A node's box relative to the pane's top-left corner."""
    pane = page.locator(".react-flow__pane").bounding_box()
    box = node(page, node_id).bounding_box()
    return {"x": box["x"] - pane["x"], "y": box["y"] - pane["y"], "width": box["width"], "height": box["height"]}
