import { act } from "react";
import { createRoot, type Root } from "react-dom/client";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "../api";
import { ConfirmDialog, NameDialog } from "./Dialog";

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

let host: HTMLElement;
let root: Root;
beforeEach(() => {
  host = document.body.appendChild(document.createElement("div"));
  root = createRoot(host);
});
afterEach(() => {
  act(() => root.unmount());
  host.remove();
});

const $ = (id: string) => host.querySelector<HTMLElement>(`[data-testid="${id}"]`);

/** Types into a React-controlled input. */
function type(input: HTMLInputElement, value: string) {
  const set = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value")!.set!;
  set.call(input, value);
  input.dispatchEvent(new Event("input", { bubbles: true }));
}

describe("NameDialog", () => {
  it("keeps the dialog open with the refusal, then passes the name", async () => {
    const submit = vi.fn().mockRejectedValueOnce(new ApiError("conflict", "a notebook named tour already exists")).mockResolvedValueOnce(undefined);
    const cancel = vi.fn();
    act(() => root.render(<NameDialog title="New notebook" label="Name" initial="reports/" confirm="Create" onSubmit={submit} onCancel={cancel} />));
    const input = $("name-input") as HTMLInputElement;
    expect(input.value).toBe("reports/");
    act(() => type(input, "tour"));
    await act(async () => $("dialog-ok")!.click());
    expect(submit).toHaveBeenLastCalledWith("tour");
    expect($("dialog-error")!.textContent).toBe("a notebook named tour already exists");
    expect($("name-dialog")).not.toBeNull();
    // Typing clears the message; the next name goes through.
    act(() => type(input, "  tour2 "));
    expect($("dialog-error")).toBeNull();
    await act(async () => $("dialog-ok")!.click());
    expect(submit).toHaveBeenLastCalledWith("tour2");
    expect(cancel).not.toHaveBeenCalled();
  });

  it("asks for a name instead of sending an empty one, and Escape cancels", async () => {
    const submit = vi.fn();
    const cancel = vi.fn();
    act(() => root.render(<NameDialog title="New folder" label="Folder" confirm="Create" onSubmit={submit} onCancel={cancel} />));
    await act(async () => $("dialog-ok")!.click());
    expect(submit).not.toHaveBeenCalled();
    expect($("dialog-error")!.textContent).toBe("Give a name.");
    act(() => {
      document.body.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    });
    expect(cancel).toHaveBeenCalledOnce();
  });
});

describe("ConfirmDialog", () => {
  it("shows why the action failed and stays open", async () => {
    const confirm = vi.fn().mockRejectedValue(new ApiError("invalid", "notebooks/out leads out of the workspace"));
    act(() => root.render(<ConfirmDialog title="Delete x?" message="It moves to the trash." confirm="Move to trash" danger onConfirm={confirm} onCancel={() => undefined} />));
    await act(async () => $("dialog-ok")!.click());
    expect(confirm).toHaveBeenCalledOnce();
    expect($("dialog-error")!.textContent).toContain("leads out of the workspace");
    expect($("confirm-dialog")).not.toBeNull();
  });
});
