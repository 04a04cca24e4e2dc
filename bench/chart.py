"""The chart of module/stock ratios, one bar per operation and size:
.venv/bin/python bench/chart.py .local/bench   ->  .local/bench/ratios.png
"""

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from run import RATIO_TARGET


def main(folder):
    folder = Path(folder)
    results = sorted(
        (json.loads(path.read_text()) for path in folder.glob("bench-*.json")), key=lambda result: result["size"]
    )
    if not results:
        return
    keys, labels = [], {}
    for result in results:
        for row in result["rows"]:
            if row["ratio"] is not None and row["key"] not in keys:
                keys.append(row["key"])
                labels[row["key"]] = row["operation"].split(" (")[0]
    width = 0.8 / len(results)
    fig, ax = plt.subplots(figsize=(11, 5))
    for index, result in enumerate(results):
        ratios = {row["key"]: row["ratio"] for row in result["rows"]}
        ax.bar(
            [position + index * width for position in range(len(keys))],
            [ratios.get(key) or 0 for key in keys],
            width,
            label="%s leads" % format(result["size"], ","),
        )
    ax.axhline(RATIO_TARGET, color="red", linestyle="--", label="target %.2f" % RATIO_TARGET)
    ax.axhline(1.0, color="grey", linewidth=0.8)
    ax.set_xticks([position + width * (len(results) - 1) / 2 for position in range(len(keys))])
    ax.set_xticklabels([labels[key] for key in keys], rotation=30, ha="right", fontsize=8)
    ax.set_ylabel("module time / stock time (median)")
    ax.set_title("crm_canvas_pipeline vs stock CRM on the same data")
    ax.legend()
    fig.tight_layout()
    fig.savefig(folder / "ratios.png", dpi=100)
    print("chart: %s" % (folder / "ratios.png"))


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main(sys.argv[1])
