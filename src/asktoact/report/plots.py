"""Figure-3-style plots: CPS and PRS by number of unspecified intents and of calls."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def plot_breakdowns(runs: dict[str, dict[str, Any]], path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    for ax, key, xlabel in ((axes[0], "by_unspecified", "unspecified intents"), (axes[1], "by_calls", "API calls")):
        for name, summ in runs.items():
            groups = summ.get(key, {})
            xs = [int(k) for k in groups]
            if not xs:
                continue
            ax.plot(xs, [groups[str(x)]["CPS"] for x in xs], marker="o", label=f"{name} CPS")
            ax.plot(xs, [groups[str(x)]["PRS"] for x in xs], marker="s", linestyle="--", label=f"{name} PRS")
        ax.set_xlabel(xlabel)
        ax.set_ylabel("score (%)")
        ax.set_ylim(-2, 102)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return Path(path)
