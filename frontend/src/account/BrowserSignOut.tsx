// Browser mode's sign-out: the browser's session with the workbench server
// (its cookie, from the printed link) ends. The company sign-in is another
// thing (AccountBar's Sign out), kept on the server for the window too.
import { useState } from "react";
import { api, toApiError } from "../api";

export function BrowserSignOut() {
  const [state, setState] = useState<"in" | "leaving" | "out">("in");
  const [error, setError] = useState<string>();
  const leave = api.leaveBrowser;
  if (!leave) return null;
  const signOut = async () => {
    setState("leaving");
    setError(undefined);
    try {
      await leave();
      setState("out");
    } catch (e) {
      setError(toApiError(e).message);
      setState("in");
    }
  };
  if (state === "out") {
    return (
      <div className="sf-signed-out" role="dialog" aria-label="Signed out" data-testid="signed-out">
        <p>Signed out of this workbench in this browser.</p>
        <p>To sign in again, open the link smallfry serve printed when it started.</p>
      </div>
    );
  }
  return (
    <>
      <button
        className="link"
        data-testid="browser-sign-out"
        disabled={state === "leaving"}
        title="Ends this browser's sign-in to the workbench; the link smallfry serve printed signs in again"
        onClick={() => void signOut()}
      >
        Sign out of this browser
      </button>
      {error && (
        <p className="sf-account-problem" role="alert" data-testid="browser-sign-out-error">
          {error}
        </p>
      )}
    </>
  );
}
