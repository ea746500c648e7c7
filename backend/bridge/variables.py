# Lists the kernel's global variables as JSON, for the app's variables panel.
# Run as a silent execution by bridge.Variables: it defines nothing that
# stays (the function deletes itself) and calls no user code but __repr__.
def _smallfry_variables():
    import json
    import reprlib
    import types

    short = reprlib.Repr()
    short.maxstring = 80
    short.maxother = 80
    skip = {"In", "Out", "exit", "quit", "get_ipython", "smallfry"}
    out = []
    for name, value in sorted(globals().items()):
        if name.startswith("_") or name in skip or isinstance(value, types.ModuleType):
            continue
        t = type(value)
        kind = t.__name__ if t.__module__ == "builtins" else t.__module__.split(".")[0] + "." + t.__name__
        try:
            shape = getattr(value, "shape", None) if t.__name__ in ("DataFrame", "Series", "ndarray") else None
            if shape is not None and len(shape) == 2:
                text = "%d rows × %d columns" % (shape[0], shape[1])
            elif shape is not None and len(shape) == 1:
                text = "%d values" % shape[0]
            else:
                text = short.repr(value)
        except Exception as e:  # a __repr__ that fails must not hide the others
            text = "<repr failed: %s>" % type(e).__name__
        out.append({"name": name, "type": kind, "repr": text[:120]})
        if len(out) >= 500:
            break
    print(json.dumps(out))


_smallfry_variables()
del _smallfry_variables
