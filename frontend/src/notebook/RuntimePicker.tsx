// Where the notebook's Python cells run: a local kernel or a Docker image
// (in the toolbar's menu; the kernel's restart is KernelChip's).
import { useEffect, useState } from "react";
import { api, type ApiError, type Runtime } from "../api";
import { useSessionCall } from "./reopen";

export function RuntimePicker(props: { runtime?: Runtime; disabled: boolean; onError(msg: string): void }) {
  const [runtime, setRuntime] = useState<Runtime>(props.runtime ?? {});
  const [image, setImage] = useState(props.runtime?.docker ?? "");
  const [busy, setBusy] = useState(false);
  const call = useSessionCall();
  useEffect(() => {
    setRuntime(props.runtime ?? {});
    setImage(props.runtime?.docker ?? "");
  }, [props.runtime]);

  const apply = async (rt: Runtime) => {
    setBusy(true);
    try {
      setRuntime(await call((s) => api.setRuntime(s, rt)));
    } catch (e) {
      props.onError((e as ApiError).message);
    } finally {
      setBusy(false);
    }
  };
  const docker = runtime.docker !== undefined && runtime.docker !== "";
  return (
    <span className="runtime" data-testid="runtime" data-runtime={docker ? `docker:${runtime.docker}` : "local"}>
      <label>
        Python:{" "}
        <select
          data-testid="runtime-kind"
          value={docker ? "docker" : "local"}
          disabled={props.disabled || busy}
          onChange={(e) => (e.target.value === "local" ? void apply({}) : setRuntime({ docker: "" }))}
        >
          <option value="local">local</option>
          <option value="docker">Docker</option>
        </select>
      </label>
      {(docker || runtime.docker === "") && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (image.trim()) void apply({ docker: image.trim() });
          }}
        >
          <input data-testid="runtime-image" placeholder="image, e.g. python:3.12" value={image} onChange={(e) => setImage(e.target.value)} />
          <button data-testid="runtime-apply" disabled={props.disabled || busy || !image.trim() || image.trim() === runtime.docker}>
            Use
          </button>
        </form>
      )}
    </span>
  );
}
