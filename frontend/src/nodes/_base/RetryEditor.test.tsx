// @vitest-environment jsdom
import { cleanup, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { RetryEditor } from "./RetryEditor";

afterEach(cleanup);

const HTTP_FINAL = [
  { type: "HttpClientError", why: "a 4xx answer other than 408, 425 and 429" },
  { type: "HostNotAllowed", why: "the url's host is not in FLOWDECK_HTTP_ALLOWED_HOSTS" },
];

describe("RetryEditor's preview", () => {
  it("says which errors fail at once beside the attempts it promises", () => {
    render(<RetryEditor value={{ max_attempts: 4, non_retryable_errors: ["CardDeclined"] }} finalErrors={HTTP_FINAL} onChange={() => undefined} />);
    const preview = screen.getByTestId("retry-preview").textContent ?? "";
    expect(preview).toContain("4 attempts");
    const never = screen.getByRole("list", { name: "Retry never retried" });
    expect(never.textContent).toContain("CardDeclined (this policy)");
    expect(never.textContent).toContain("HttpClientError: a 4xx answer other than 408, 425 and 429");
    expect(never.textContent).toContain("HostNotAllowed");
  });

  it("lists an error the policy names once, as the policy's", () => {
    render(<RetryEditor value={{ max_attempts: 3, non_retryable_errors: ["HttpClientError"] }} finalErrors={HTTP_FINAL} onChange={() => undefined} />);
    const items = [...screen.getByRole("list", { name: "Retry never retried" }).querySelectorAll("li")].map((li) => li.textContent);
    expect(items.filter((t) => t?.includes("HttpClientError"))).toEqual(["HttpClientError (this policy)"]);
  });

  it("with one attempt there is nothing to qualify", () => {
    render(<RetryEditor value={{ max_attempts: 1 }} finalErrors={HTTP_FINAL} onChange={() => undefined} />);
    expect(screen.getByTestId("retry-preview").textContent).toBe("No retries: the first failure fails the step.");
    expect(screen.queryByRole("list", { name: "Retry never retried" })).toBeNull();
  });
});
