// The company sign-in: import the settings an admin handed out, sign in
// with the device flow (the code shown large, the IdP's page opened in the
// system browser, never auto-submitted), see who is signed in, sign out.
import { useEffect, useRef, useState } from "react";
import { api, toApiError, type Account, type DeviceCode } from "../api";
import { earlyKey, ready, take } from "../shell/early";
import "./account.css";
import { BrowserSignOut } from "./BrowserSignOut";

export function AccountBar(props: { onChange?(a: Account): void }) {
  const [account, setAccount] = useState(() => ready<Account>(earlyKey.account));
  const atStart = useRef(account);
  const [error, setError] = useState<string>();
  const [copied, setCopied] = useState(false);
  const file = useRef<HTMLInputElement>(null);
  const onChange = useRef(props.onChange);
  onChange.current = props.onChange;

  useEffect(() => {
    const show = (a: Account) => {
      setAccount(a);
      onChange.current?.(a);
    };
    // The answer to main.tsx's early call, if it came before the first render.
    if (atStart.current) onChange.current?.(atStart.current);
    else take(earlyKey.account, api.account).then(show, (e) => setError(toApiError(e).message));
    return api.on("account", show);
  }, []);

  const act = async (f: () => Promise<unknown>) => {
    setError(undefined);
    try {
      await f();
    } catch (e) {
      setError(toApiError(e).message);
    }
  };

  const importFile = async (f: File) => {
    await act(async () => setAccount(await api.importSettings(await f.text())));
    if (file.current) file.current.value = "";
  };

  const signIn = () =>
    act(async () => {
      const code = await api.signIn();
      setAccount((a) => (a ? { ...a, pending: code, problem: undefined } : a));
    });

  if (!account) return null;
  const pending = account.pending;
  return (
    <div className="sf-account" data-testid="account">
      {!account.configured ? (
        <button data-testid="import-settings" onClick={() => file.current?.click()} title="The settings file your admin gave you">
          Import company settings…
        </button>
      ) : account.signedIn ? (
        <div className="sf-account-user">
          <span data-testid="account-user" title={account.lake}>
            {account.user || "Signed in"}
          </span>
          <button className="link" data-testid="sign-out" onClick={() => void act(() => api.signOut())}>
            Sign out
          </button>
        </div>
      ) : (
        !pending && (
          <button data-testid="sign-in" onClick={() => void signIn()}>
            Sign in
          </button>
        )
      )}
      {account.configured && (
        <button className="link sf-account-replace" data-testid="replace-settings" onClick={() => file.current?.click()}>
          Settings…
        </button>
      )}
      <BrowserSignOut />
      <input
        ref={file}
        type="file"
        accept=".json,application/json"
        hidden
        data-testid="settings-file"
        onChange={(e) => {
          const f = e.target.files?.[0];
          if (f) void importFile(f);
        }}
      />
      {account.problem && !pending && (
        <p className="sf-account-problem" role="alert" data-testid="account-problem">
          {account.problem}
        </p>
      )}
      {error && (
        <p className="sf-account-problem" role="alert" data-testid="account-error">
          {error}
        </p>
      )}
      {pending && (
        <SignInDialog
          code={pending}
          copied={copied}
          onCopy={() => {
            void navigator.clipboard?.writeText(pending.userCode).then(() => setCopied(true), () => setCopied(false));
          }}
          onOpen={() => void act(async () => api.openExternal(pending.verificationUri))}
          onCancel={() => void act(() => api.cancelSignIn())}
        />
      )}
    </div>
  );
}

function SignInDialog(props: { code: DeviceCode; copied: boolean; onCopy(): void; onOpen(): void; onCancel(): void }) {
  const expires = new Date(props.code.expiresAt);
  return (
    <div className="sf-signin" role="dialog" aria-label="Sign in" data-testid="sign-in-dialog">
      <p>Open the sign-in page and enter this code:</p>
      <div className="sf-signin-code" data-testid="user-code">
        {props.code.userCode}
      </div>
      <div className="sf-signin-actions">
        <button onClick={props.onCopy} data-testid="copy-code">
          {props.copied ? "Copied" : "Copy code"}
        </button>
        <button onClick={props.onOpen} data-testid="open-sign-in-page" className="primary">
          Open sign-in page
        </button>
      </div>
      <p className="sf-signin-uri">
        <a href={props.code.verificationUri} data-testid="verification-uri" onClick={(e) => { e.preventDefault(); props.onOpen(); }}>
          {props.code.verificationUri}
        </a>
      </p>
      <p className="sf-signin-wait">
        Waiting for you to approve… (the code expires at {expires.toLocaleTimeString()})
      </p>
      <button className="link" onClick={props.onCancel} data-testid="cancel-sign-in">
        Cancel
      </button>
    </div>
  );
}
