// The in-app dialogs for naming and confirming (new, rename, duplicate,
// folder, delete): never window.prompt or confirm, whose title in the
// desktop window is "JavaScript - wails://…". A refused name keeps the
// dialog open with the backend's message in it.
import { useEffect, useRef, useState, type ReactNode } from "react";
import { toApiError } from "../api";
import "./shell.css";

interface FrameProps {
  title: string;
  testId: string;
  busy: boolean;
  onCancel(): void;
  children: ReactNode;
  wide?: boolean;
}

/** A modal box: Escape or a click beside it cancels (unless busy). */
export function DialogFrame(props: FrameProps) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const prev = document.activeElement as HTMLElement | null;
    return () => prev?.focus?.();
  }, []);
  // Escape cancels wherever the focus is (a field disabled while busy
  // drops it to the page), before the notebook's own keys see it.
  const { busy, onCancel } = props;
  useEffect(() => {
    const key = (e: KeyboardEvent) => {
      if (e.key !== "Escape" || busy) return;
      e.stopPropagation();
      e.preventDefault();
      onCancel();
    };
    window.addEventListener("keydown", key, true);
    return () => window.removeEventListener("keydown", key, true);
  }, [busy, onCancel]);
  return (
    <div className="sf-dialog-backdrop" onMouseDown={(e) => e.target === e.currentTarget && !props.busy && props.onCancel()}>
      <div
        ref={box}
        className={props.wide ? "sf-dialog wide" : "sf-dialog"}
        role="dialog"
        aria-modal="true"
        aria-label={props.title}
        data-testid={props.testId}
      >
        <h3>{props.title}</h3>
        {props.children}
      </div>
    </div>
  );
}

export interface NameDialogProps {
  title: string;
  label: string;
  initial?: string;
  confirm: string;
  /** What the name means, under the field. */
  hint?: string;
  /** Does the work; a rejection's message is shown in the dialog, which stays open. */
  onSubmit(name: string): Promise<void>;
  onCancel(): void;
}

/** Asks for a name. */
export function NameDialog(props: NameDialogProps) {
  const [value, setValue] = useState(props.initial ?? "");
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    input.current?.focus();
    input.current?.select();
  }, []);
  const submit = async () => {
    if (busy) return;
    if (!value.trim()) {
      setError("Give a name.");
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await props.onSubmit(value.trim());
    } catch (e) {
      setError(toApiError(e).message);
      setBusy(false);
      setTimeout(() => input.current?.focus()); // once it is enabled again
    }
  };
  return (
    <DialogFrame title={props.title} testId="name-dialog" busy={busy} onCancel={props.onCancel}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <label>
          {props.label}
          <input
            ref={input}
            data-testid="name-input"
            value={value}
            onChange={(e) => {
              setValue(e.target.value);
              setError(undefined);
            }}
            disabled={busy}
            spellCheck={false}
          />
        </label>
        {props.hint && <p className="sf-dialog-hint">{props.hint}</p>}
        {error && (
          <p className="sf-dialog-error" role="alert" data-testid="dialog-error">
            {error}
          </p>
        )}
        <div className="sf-dialog-buttons">
          <button type="button" data-testid="dialog-cancel" onClick={props.onCancel} disabled={busy}>
            Cancel
          </button>
          <button type="submit" className="primary" data-testid="dialog-ok" disabled={busy}>
            {props.confirm}
          </button>
        </div>
      </form>
    </DialogFrame>
  );
}

export interface ConfirmDialogProps {
  title: string;
  message: ReactNode;
  confirm: string;
  danger?: boolean;
  onConfirm(): Promise<void>;
  onCancel(): void;
}

/** Asks to confirm an action; its failure is shown in the dialog. */
export function ConfirmDialog(props: ConfirmDialogProps) {
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const ok = useRef<HTMLButtonElement>(null);
  useEffect(() => ok.current?.focus(), []);
  const confirm = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await props.onConfirm();
    } catch (e) {
      setError(toApiError(e).message);
      setBusy(false);
    }
  };
  return (
    <DialogFrame title={props.title} testId="confirm-dialog" busy={busy} onCancel={props.onCancel}>
      <div className="sf-dialog-message">{props.message}</div>
      {error && (
        <p className="sf-dialog-error" role="alert" data-testid="dialog-error">
          {error}
        </p>
      )}
      <div className="sf-dialog-buttons">
        <button type="button" data-testid="dialog-cancel" onClick={props.onCancel} disabled={busy}>
          Cancel
        </button>
        <button ref={ok} type="button" className={props.danger ? "danger" : "primary"} data-testid="dialog-ok" onClick={() => void confirm()} disabled={busy}>
          {props.confirm}
        </button>
      </div>
    </DialogFrame>
  );
}
