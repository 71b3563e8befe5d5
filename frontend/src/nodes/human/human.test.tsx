// @vitest-environment jsdom
import { cleanup, fireEvent, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { INSPECTORS } from "../../designer/inspectors";
import { currentSpec } from "../../designer/store";
import { designerWith, fieldsOf, renderInspector } from "../../designer/testing";
import { nodeTypes } from "../../graph/nodeTypes";
import { NODE_TYPES, type NodeFields, type SpecNode } from "../../spec/types";
import { NODE_META } from "../registry";
import { HumanInspector } from "./Inspector";
import { assigneeProblem, humanMeta, templateProblem } from "./model";
import { HumanView } from "./View";

afterEach(cleanup);

const FORM = { type: "object", required: ["ok"], properties: { ok: { type: "boolean" } } };
const REVIEW: NodeFields = { label: "Review", title: "Approve {{ input.order }}", assignee: { role: "operator" }, form: FORM };

describe("the human node's model", () => {
  it("is registered for the palette, the canvas and the inspector", () => {
    expect(NODE_TYPES).toContain("human");
    expect(NODE_META.human).toBe(humanMeta);
    expect(nodeTypes.human).toBe(HumanView);
    expect(INSPECTORS.human).toBe(HumanInspector);
    expect(humanMeta).toMatchObject({ type: "human", title: "Human task" });
  });

  it("starts assigned to operators with a templated title, and no problems", () => {
    const d = humanMeta.defaults();
    expect(d).toEqual({ label: "Human task", title: "Review {{ run.business_key }}", assignee: { role: "operator" } });
    expect(humanMeta.problems(d)).toEqual([]);
    const store = designerWith([]);
    const id = store.getState().addNode("human", { x: 0, y: 0 });
    expect(fieldsOf(store, id)).toEqual(d);
  });

  it("summarises the assignee, the due time and a failure policy", () => {
    expect(humanMeta.summary(REVIEW)).toBe("role operator");
    expect(humanMeta.summary({ ...REVIEW, assignee: { user: "alice" }, due: 3600, on_failure: "incident" })).toMatch(/^user alice · due in .+ · on reject: incident$/);
  });

  it("reports a missing title, broken braces, a bad assignee, form and due", () => {
    expect(humanMeta.problems({ ...REVIEW, title: "" })).toEqual(["Title: required"]);
    expect(humanMeta.problems({ ...REVIEW, title: "Hi {{ input.x" })).toEqual(["Title: a {{ that is never closed"]);
    expect(templateProblem("a }} b")).toBe("A }} with no {{ before it");
    expect(templateProblem("{{ }}")).toBe("An empty {{ }} placeholder");
    expect(templateProblem("{{ a }} and {{ b }}")).toBeNull();
    expect(assigneeProblem(undefined)).toBe("Choose a role or a user");
    expect(assigneeProblem({ role: "viewer" })).toBe("A role of operator, designer, admin");
    expect(assigneeProblem({ user: " " })).toBe("A username (1 to 150 characters)");
    expect(assigneeProblem({ role: "admin", user: "x" } as never)).toBe("Exactly one of a role or a user");
    expect(humanMeta.problems({ ...REVIEW, form: { type: "array" } })).toEqual(['Form: The form must be a schema of an object: {"type": "object", ...}']);
    expect(humanMeta.problems({ ...REVIEW, due: 0 })).toEqual(["Due: more than 0 and at most 365 days"]);
    expect(humanMeta.problems({ ...REVIEW, due: 366 * 86400 })).toEqual(["Due: more than 0 and at most 365 days"]);
  });
});

const field = (name: string) => screen.getByLabelText(name, { exact: true }) as HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;
const change = (name: string, value: string) => fireEvent.change(field(name), { target: { value } });

function humanEditor(fields: NodeFields = REVIEW) {
  const store = designerWith([{ id: "review", type: "human", ...(fields as Omit<SpecNode, "id" | "type">) }]);
  renderInspector(store, "review");
  return {
    fields: () => fieldsOf(store, "review") ?? {},
    specNode: () => currentSpec(store.getState()).nodes.find((n) => n.id === "review"),
  };
}

describe("the human inspector", () => {
  it("edits the title and picks a role or a user", () => {
    const { fields, specNode } = humanEditor();
    expect(field("Task title").value).toBe("Approve {{ input.order }}");
    change("Task title", "Check {{ input.id }}");
    expect(specNode()?.title).toBe("Check {{ input.id }}");
    expect(field("Assignee role").value).toBe("operator");
    change("Assignee role", "designer");
    expect(fields().assignee).toEqual({ role: "designer" });
    change("Assignee kind", "user");
    expect(fields().assignee).toEqual({ user: "" });
    expect(screen.getByText("A username (1 to 150 characters)")).toBeTruthy();
    change("Assignee user", "alice");
    expect(specNode()?.assignee).toEqual({ user: "alice" });
  });

  it("edits the form as JSON: kept while it does not parse, stored once it is a schema of an object", () => {
    const { fields } = humanEditor();
    expect(JSON.parse(field("Form schema").value)).toEqual(FORM);
    change("Form schema", '{"type": "object", "properties": {');
    expect(screen.getByText(/^Not JSON/)).toBeTruthy();
    expect(fields().form).toEqual(FORM);
    change("Form schema", '{"type": "string"}');
    expect(screen.getByText(/must be a schema of an object/)).toBeTruthy();
    expect(fields().form).toEqual(FORM);
    change("Form schema", '{"type": "object", "properties": {"note": {"type": "string"}}}');
    expect(fields().form).toEqual({ type: "object", properties: { note: { type: "string" } } });
    change("Form schema", "");
    expect(fields()).not.toHaveProperty("form");
  });

  it("sets the due time with the duration input", () => {
    const { fields } = humanEditor();
    change("Task due", "2");
    change("Task due unit", "3600");
    expect(fields().due).toBe(7200);
    change("Task due", "");
    expect(fields()).not.toHaveProperty("due");
  });
});
