"""Choose the routing model's hyperparameters by cross-validation on the training split.

Every RoutingModel.fit already computes 5-fold out-of-fold predictions for
calibration; their macro-F1 (``cv_macro_f1``) is the selection criterion, so
the dev split is never looked at here. Run:

    .venv/bin/python benchmarks/routing_select.py [title|full ...]

Takes about 10 minutes on two idle cores for both fields.
"""

import sys
import time
from dataclasses import replace

from rexian.nlp.labelled_csv import read_labelled_csv
from rexian.nlp.routing import RoutingConfig, RoutingModel
from rexian.nlp.taidi import taidi_dir

# (C, headline weight, train title models on details too). In title mode the
# headline block repeats the whole text, so its weight is not searched there.
GRID = {
    "title": [(C, 0.7, detail) for detail in (False, True) for C in (0.25, 0.5, 1.0)],
    "full": [(C, 0.7, False) for C in (0.25, 0.5, 1.0)] + [(0.5, weight, False) for weight in (0.4, 1.0)],
}


def main(fields: list[str]) -> None:
    train = read_labelled_csv(taidi_dir() / "messages_train.csv")
    labels = [message.label for message in train]
    for field in fields:
        texts = [message.text(field) for message in train]
        print(f"\n{field}: C, headline weight, detail for titles -> 5-fold CV macro-F1 on train")
        for C, headline_weight, detail_for_titles in GRID[field]:
            config = RoutingConfig(C=C, features=replace(RoutingConfig().features, headline_weight=headline_weight))
            auxiliary = [message.detail for message in train] if detail_for_titles else None
            started = time.perf_counter()
            metrics = RoutingModel(config).fit(texts, labels, auxiliary).metadata.metrics
            print(
                f"  C={C:<5} headline={headline_weight:<4} detail={detail_for_titles!s:<5} "
                f"macro-F1 {metrics['cv_macro_f1']:.4f}  accuracy {metrics['cv_accuracy']:.4f}  "
                f"({time.perf_counter() - started:.0f} s)",
                flush=True,
            )


if __name__ == "__main__":
    main(sys.argv[1:] or ["title", "full"])
