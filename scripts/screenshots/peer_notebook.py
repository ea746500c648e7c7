# Writes the notebook the peers' screenshots show, as close to Smallfry's
# tour as their tools allow: a text cell, a query of 100 rows of a sales
# table, a bar chart of sales by country. As .ipynb (JupyterLab, executed
# with nbconvert) and as a marimo .py.
import json
import sys

out = sys.argv[1]
setup = """import numpy as np, pandas as pd
rng = np.random.default_rng(7)
sales = pd.DataFrame({
    "Id": np.arange(6979, 6979 + 100 * 131, 131),
    "Date_Id": 1, "Store_Id": 13,
    "Product_Id": rng.integers(1, 400, 100),
    "Units_Sold": rng.integers(1, 20, 100),
    "Country": rng.choice(["Germany", "France", "Spain", "Italy", "Poland"], 100),
    "Price": rng.uniform(5, 90, 100).round(2),
})"""
chart = """import matplotlib.pyplot as plt
by_country = sales.groupby("Country").Units_Sold.sum().sort_values()
fig, ax = plt.subplots(figsize=(7, 3))
by_country.plot.barh(ax=ax)
ax.set_xlabel("units sold")"""
md = "# Welcome\n\nA small sales table, queried and charted. Run a cell with **Shift+Enter**."

def code(src):
    return {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": src}

nb = {
    "cells": [
        {"cell_type": "markdown", "metadata": {}, "source": md},
        code(setup + "\nsales.head(100)"),
        code(chart),
    ],
    "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    "nbformat": 4,
    "nbformat_minor": 5,
}
with open(out + "/tour.ipynb", "w") as f:
    json.dump(nb, f, indent=1)

def indent(s):
    return "\n".join("    " + l for l in s.split("\n"))

marimo = f'''import marimo

app = marimo.App(width="medium")


@app.cell
def _():
    import marimo as mo
    mo.md("""{md}""")
    return (mo,)


@app.cell
def _(mo):
{indent(setup)}
    mo.ui.table(sales.head(100))
    return (sales,)


@app.cell
def _(sales):
{indent(chart)}
    ax
    return


if __name__ == "__main__":
    app.run()
'''
with open(out + "/tour_marimo.py", "w") as f:
    f.write(marimo)
