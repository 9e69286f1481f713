"""Routing accuracy on taidi2020: the char-n-gram SVM baseline against RoutingModel.

Both models train on messages_train.csv only and are scored once on
messages_dev.csv, for full text (title + detail) and for titles only;
RoutingModel's cross-validated macro-F1 on the training split (cv_macro_f1)
is printed beside it. In
title mode RoutingModel also learns from the training messages' details
(auxiliary texts), as chosen by cross-validation in routing_select.py; the
baseline is trained exactly as published (titles only). Latency is one
predict_top call per message: ms_per_message is the CPU time of this
process per call (one core), wall_ms_per_message the elapsed time, which
also counts waiting for the CPU when the machine is busy.

    .venv/bin/python benchmarks/routing_taidi.py
"""

import json
import os

# One core, as the latency target is stated for one core.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from rexian.nlp.labelled_csv import read_labelled_csv  # noqa: E402
from rexian.nlp.routing import RoutingModel  # noqa: E402
from rexian.nlp.routing_baseline import CharNgramSvmBaseline  # noqa: E402
from rexian.nlp.routing_evaluation import evaluate  # noqa: E402
from rexian.nlp.taidi import taidi_dir  # noqa: E402

COLUMNS = (
    "cv_macro_f1",
    "macro_f1",
    "accuracy",
    "top3_accuracy",
    "ms_per_message",
    "wall_ms_per_message",
    "training_seconds",
    "training_cpu_seconds",
    "brier_score",
    "ece",
)


def main() -> None:
    train = read_labelled_csv(taidi_dir() / "messages_train.csv")
    dev = read_labelled_csv(taidi_dir() / "messages_dev.csv")
    print(f"train {len(train)} messages, dev {len(dev)} messages\n")
    print(f"{'text':<6} {'model':<22}" + "".join(f"{column:>22}" for column in COLUMNS))
    results = {}
    for field in ("full", "title"):
        for name, model, detail_for_titles in (
            ("baseline char1-3 SVM", CharNgramSvmBaseline(), False),
            ("RoutingModel", RoutingModel(), True),
        ):
            report = evaluate(model, train, dev, field, detail_for_titles=detail_for_titles)
            results[f"{field}/{name}"] = report
            cells = "".join(
                f"{report[column]:>22.4f}" if column in report else f"{'—':>22}" for column in COLUMNS
            )
            print(f"{field:<6} {name:<22}{cells}", flush=True)
    print("\n" + json.dumps(results, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
