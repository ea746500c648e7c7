#!/usr/bin/env python3
"""Write the .ipynb fixtures of backend/notebook/testdata with the real nbformat.

The Go package promises a byte-identical round trip for notebooks written by
JupyterLab, which saves through nbformat; these files are what nbformat writes,
so the Go tests compare against the real thing, not against our idea of it.

Usage: python3 scripts/gen-notebook-fixtures.py [OUTDIR]
(needs nbformat, see scripts/requirements-test.txt). The output is deterministic:
cell ids are fixed, so re-running it gives the same bytes.
"""

import base64
import copy
import json
import os
import struct
import sys
import zlib

import nbformat
from nbformat import v4
from nbformat.v4.rwbase import split_lines

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "backend", "notebook", "testdata"
)

PYTHON_META = {
    "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
    "language_info": {
        "codemirror_mode": {"name": "ipython", "version": 3},
        "file_extension": ".py",
        "mimetype": "text/x-python",
        "name": "python",
        "nbconvert_exporter": "python",
        "pygments_lexer": "ipython3",
        "version": "3.11.7",
    },
}


def png_1x1():
    """A valid 1x1 red PNG, base64 encoded the way kernels send it."""

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    raw = b"\x00\xff\x00\x00"
    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )
    return base64.b64encode(png).decode("ascii")


ANSI_TRACEBACK = [
    "\x1b[0;31m---------------------------------------------------------------------------\x1b[0m",
    "\x1b[0;31mZeroDivisionError\x1b[0m                         Traceback (most recent call last)",
    "Cell \x1b[0;32mIn[3], line 1\x1b[0m\n\x1b[0;32m----> 1\x1b[0m \x1b[38;5;241m1\x1b[39m\x1b[38;5;241m/\x1b[39m\x1b[38;5;241m0\x1b[39m\n",
    "\x1b[0;31mZeroDivisionError\x1b[0m: division by zero",
]


def python_cells(with_ids):
    def ids(i):
        return {"id": f"cell-{i}"} if with_ids else {}

    cells = [
        v4.new_markdown_cell("# Sales\n\nA *small* notebook.", **ids(1)),
        v4.new_code_cell(
            "import math\nprint('hello')\n",
            execution_count=1,
            outputs=[v4.new_output("stream", name="stdout", text="hello\nworld\n")],
            **ids(2),
        ),
        v4.new_code_cell(
            "x = 1\nx",
            execution_count=2,
            outputs=[
                v4.new_output(
                    "execute_result",
                    data={"text/plain": "1", "image/png": png_1x1()},
                    metadata={"image/png": {"width": 1, "height": 1}},
                    execution_count=2,
                )
            ],
            **ids(3),
        ),
        v4.new_code_cell(
            "1/0",
            execution_count=3,
            outputs=[
                v4.new_output(
                    "error", ename="ZeroDivisionError", evalue="division by zero", traceback=ANSI_TRACEBACK
                )
            ],
            **ids(4),
        ),
        v4.new_code_cell("", **ids(5)),
        v4.new_markdown_cell("", **ids(6)),
    ]
    for c in cells:
        if c.cell_type == "code":
            c.metadata["collapsed"] = False
        if not with_ids:
            del c["id"]  # new_*_cell always adds one; 4.4 forbids it
    return cells


def notebook(cells, minor=5, metadata=None):
    # Not v4.new_notebook(cells=...): it validates as 4.5 first, and that adds
    # ids to the cells of what is meant to be a 4.4 notebook.
    nb = v4.new_notebook(metadata=copy.deepcopy(metadata if metadata is not None else PYTHON_META))
    nb.nbformat_minor = minor
    nb.cells = cells
    return nb


def write(name, nb):
    path = os.path.join(OUT, name)
    nbformat.validate(nb)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        nbformat.write(nb, f)
    print("wrote", path)


def write_raw(name, nb, **dumps_args):
    """Write like tools that call json.dump themselves (not through nbformat)."""
    nbformat.validate(nb)
    data = split_lines(copy.deepcopy(nb))
    path = os.path.join(OUT, name)
    trailing = dumps_args.pop("trailing", "\n")
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(json.dumps(data, **dumps_args) + trailing)
    print("wrote", path)


def main():
    os.makedirs(OUT, exist_ok=True)

    # nbformat 4.4: cells have no id.
    cells = python_cells(with_ids=False)
    write("v44_no_ids.ipynb", notebook(cells, minor=4))

    # nbformat 4.5 with ids, papermill parameters and injected parameters.
    cells = python_cells(with_ids=True)
    params = v4.new_code_cell("region = 'EU'\nlimit = 10\n", id="params")
    params.metadata["tags"] = ["parameters"]
    injected = v4.new_code_cell("# Parameters\nregion = \"US\"\n", id="injected")
    injected.metadata["tags"] = ["injected-parameters"]
    injected.metadata["papermill"] = {"duration": 0.000123, "status": "completed"}
    write("v45_ids.ipynb", notebook([params, injected] + cells))

    # Unicode everywhere, and strings Go's encoding/json would HTML-escape.
    md = v4.new_markdown_cell("Café 日本 🐟\u2028next\u2029para <script>alert('&')</script>", id="uni-md")
    code = v4.new_code_cell(
        "s = 'é 日本 🐟 <b>&amp;</b>'\nprint(s)\n",
        id="uni-code",
        execution_count=1,
        outputs=[
            v4.new_output("stream", name="stdout", text="é 日本 🐟 <b>&amp;</b>\n"),
            v4.new_output(
                "display_data",
                data={"text/html": "<p>日本 &lt;3</p>\n<p>\u2028</p>", "text/plain": "<IPython.core.display.HTML object>"},
            ),
        ],
    )
    code.metadata["comment"] = "naïve \u2028 <tag> & \u00a0 \t tab \u0007 bell \u007f del"
    meta = copy.deepcopy(PYTHON_META)
    meta["title"] = "Ünïcödé 📊"
    write("unicode.ipynb", notebook([md, code], metadata=meta))

    # Attachments and raw cells.
    att = v4.new_markdown_cell("![pixel](attachment:pixel.png)\n\nSee above.", id="att")
    att.attachments = {"pixel.png": {"image/png": png_1x1()}, "notes.txt": {"text/plain": "line one\nline two\n"}}
    raw1 = v4.new_raw_cell(".. note:: restructured\n   text\n", id="raw-rst")
    raw1.metadata["format"] = "text/restructuredtext"
    raw2 = v4.new_raw_cell("", id="raw-empty")
    raw2.metadata["raw_mimetype"] = "text/html"
    write("attachments_raw.ipynb", notebook([att, raw1, raw2]))

    # An R kernel notebook: code cells are not Python.
    r_meta = {
        "kernelspec": {"display_name": "R", "language": "R", "name": "ir"},
        "language_info": {
            "codemirror_mode": "r",
            "file_extension": ".r",
            "mimetype": "text/x-r-source",
            "name": "R",
            "pygments_lexer": "r",
            "version": "4.3.1",
        },
    }
    r1 = v4.new_code_cell(
        "df <- data.frame(x = 1:2)\nhead(df)",
        id="r-head",
        execution_count=1,
        outputs=[
            v4.new_output(
                "display_data",
                data={
                    "text/html": "<table class=\"dataframe\">\n<tr><td>1</td></tr>\n</table>\n",
                    "text/latex": "A data.frame: 2 × 1\n\\begin{tabular}{r}\n x\\\\\n\\end{tabular}\n",
                    "text/markdown": "\n| x |\n|---|\n| 1 |\n| 2 |\n\n",
                    "text/plain": "  x\n1 1\n2 2",
                },
            ),
            v4.new_output("stream", name="stderr", text="Warning message:\nsomething odd\n"),
        ],
    )
    r2 = v4.new_markdown_cell("R notes", id="r-md")
    write("r_kernel.ipynb", notebook([r1, r2], metadata=r_meta))

    # Widget state, floats and unknown metadata at every level.
    meta = copy.deepcopy(PYTHON_META)
    meta["widgets"] = {
        "application/vnd.jupyter.widget-state+json": {
            "state": {
                "0a1b": {
                    "model_module": "@jupyter-widgets/controls",
                    "model_module_version": "2.0.0",
                    "model_name": "FloatSliderModel",
                    "state": {"value": 0.1, "step": 1e-05, "max": 1.5e300, "min": -0.0, "readout_format": ".2f"},
                }
            },
            "version_major": 2,
            "version_minor": 0,
        }
    }
    meta["papermill"] = {"parameters": {"limit": 10}, "duration": 12.5, "big": 12345678901234567890}
    meta["vscode"] = {"interpreter": {"hash": "abc123"}}
    meta["toc-showtags"] = False
    w = v4.new_code_cell(
        "import ipywidgets as w\nw.FloatSlider(step=1e-05)",
        id="widget",
        execution_count=4,
        outputs=[
            v4.new_output(
                "display_data",
                data={
                    "application/vnd.jupyter.widget-view+json": {
                        "model_id": "0a1b",
                        "version_major": 2,
                        "version_minor": 0,
                    },
                    "text/plain": "FloatSlider(value=0.1, step=1e-05)",
                },
            ),
            v4.new_output(
                "execute_result",
                data={"application/json": {"a": [1, 2.5, None, True], "nested": {"z": 1, "a": 0.1}}},
                execution_count=4,
            ),
        ],
    )
    w.metadata["jupyter"] = {"source_hidden": True, "outputs_hidden": False}
    w.metadata["scrolled"] = "auto"
    w.metadata["execution"] = {"iopub.status.busy": "2024-01-02T03:04:05.678901Z"}
    w.metadata["custom_tool"] = {"weights": [0.1, 1e-05, 100.0, 3]}
    write("widgets_floats.ipynb", notebook([w], metadata=meta))

    # Smallfry's own SQL cell encoding, next to a jupysql-style magic cell.
    sql = v4.new_code_cell("SELECT brand, sum(amount) AS total\nFROM sales\nGROUP BY brand\n", id="sql-1")
    sql.metadata["smallfry"] = {"kind": "sql", "name": "sales_by_brand"}
    magic = v4.new_code_cell("%%sql\nSELECT * FROM sales_by_brand LIMIT 5", id="sql-magic")
    py = v4.new_code_cell("sales_by_brand.head()", id="py-1")
    write("sql_cells.ipynb", notebook([sql, magic, py]))

    # Written by hand-rolled json.dump calls: indent 2 in insertion order, and
    # indent 4 with ASCII escapes and no trailing newline.
    cells = python_cells(with_ids=True)
    write_raw("indent2.ipynb", notebook(cells), indent=2, ensure_ascii=False)
    cells = [v4.new_markdown_cell("Café 日本 🐟", id="ascii-md"), v4.new_code_cell("print('é')\n", id="ascii-code")]
    write_raw("indent4_ascii.ipynb", notebook(cells), indent=4, ensure_ascii=True, trailing="")

    # A fresh notebook with no cells.
    write("empty.ipynb", notebook([]))


if __name__ == "__main__":
    main()
