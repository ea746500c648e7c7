import { act } from "react";
import { createRoot, type Root } from "react-dom/client";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { api, ApiError, type Account } from "../api";
import { AccountBar } from "./AccountBar";

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

let host: HTMLElement;
let root: Root;
let push: ((a: Account) => void) | undefined;

beforeEach(() => {
  host = document.body.appendChild(document.createElement("div"));
  root = createRoot(host);
  vi.spyOn(api, "on").mockImplementation(((event: string, h: (a: Account) => void) => {
    if (event === "account") push = h;
    return () => undefined;
  }) as typeof api.on);
});
afterEach(() => {
  act(() => root.unmount());
  host.remove();
  vi.restoreAllMocks();
  push = undefined;
});

const $ = (id: string) => host.querySelector<HTMLElement>(`[data-testid="${id}"]`);
async function show(a: Account) {
  vi.spyOn(api, "account").mockResolvedValue(a);
  await act(async () => root.render(<AccountBar />));
}
const code = { userCode: "WDJB-MJHT", verificationUri: "http://127.0.0.1:9/device", expiresAt: "2026-12-01T10:10:00Z" };

describe("AccountBar", () => {
  it("offers to import the company settings first, and shows a bad file's error", async () => {
    await show({ configured: false, signedIn: false });
    expect($("import-settings")).not.toBeNull();
    expect($("sign-in")).toBeNull();
    vi.spyOn(api, "importSettings").mockRejectedValue(new ApiError("invalid", "settings: lake must look like s3://bucket/prefix"));
    const input = $("settings-file") as HTMLInputElement;
    const file = new File(['{"lake": "nope"}'], "company.json", { type: "application/json" });
    Object.defineProperty(input, "files", { value: [file] });
    await act(async () => input.dispatchEvent(new Event("change", { bubbles: true })));
    await act(async () => undefined);
    expect(api.importSettings).toHaveBeenCalledWith('{"lake": "nope"}');
    expect($("account-error")!.textContent).toContain("lake must look like");
  });

  it("signs in with the device flow: the code large, the plain page opened, never the complete URI", async () => {
    await show({ configured: true, signedIn: false, lake: "s3://b/p" });
    vi.spyOn(api, "signIn").mockResolvedValue(code);
    const opened = vi.spyOn(api, "openExternal").mockImplementation(() => undefined);
    await act(async () => $("sign-in")!.click());
    expect($("user-code")!.textContent).toBe("WDJB-MJHT");
    await act(async () => $("open-sign-in-page")!.click());
    expect(opened).toHaveBeenCalledWith("http://127.0.0.1:9/device");
    // The backend says the user approved: the bar shows who.
    await act(async () => push!({ configured: true, signedIn: true, user: "analyst@example.com" }));
    expect($("sign-in-dialog")).toBeNull();
    expect($("account-user")!.textContent).toBe("analyst@example.com");
  });

  it("shows why the user must sign in again, once, and cancels a pending sign-in", async () => {
    await show({ configured: true, signedIn: false, problem: "Your sign-in to the company ended: sign in again" });
    expect($("account-problem")!.textContent).toContain("sign in again");
    vi.spyOn(api, "signIn").mockResolvedValue(code);
    const cancel = vi.spyOn(api, "cancelSignIn").mockResolvedValue(undefined);
    await act(async () => $("sign-in")!.click());
    expect($("account-problem")).toBeNull();
    await act(async () => $("cancel-sign-in")!.click());
    expect(cancel).toHaveBeenCalled();
  });
});
