"""Choose the routing model's hyperparameters by cross-validation on the training split.

Every RoutingModel.fit already computes 5-fold out-of-fold predictions for
calibration; their macro-F1 (``cv_macro_f1``) is the selection criterion, so
the dev split is never looked at here. Run:

    .venv/bin/python benchmarks/routing_select.py [title|full ...]

Each fit takes one to four CPU minutes (title models read every detail too).
"""

import sys
import time

from rexian.nlp.labelled_csv import read_labelled_csv
from rexian.nlp.routing import RoutingConfig, RoutingModel
from rexian.nlp.taidi import taidi_dir

# (SVM C, calibration C, train title models on details too).
GRID = {
    "title": [(0.5, 0.3, False)]
    + [(C, 0.3, True) for C in (0.25, 0.5, 1.0)]
    + [(0.5, calibration_C, True) for calibration_C in (0.1, 1.0)],
    "full": [(C, 0.3, False) for C in (0.25, 0.5, 1.0)] + [(0.5, calibration_C, False) for calibration_C in (0.1, 1.0)],
}


def main(fields: list[str]) -> None:
    train = read_labelled_csv(taidi_dir() / "messages_train.csv")
    labels = [message.label for message in train]
    for field in fields:
        texts = [message.text(field) for message in train]
        print(f"\n{field}: C, calibration C, detail for titles -> 5-fold CV on train")
        for C, calibration_C, detail_for_titles in GRID[field]:
            config = RoutingConfig(C=C, calibration_C=calibration_C)
            auxiliary = [message.detail for message in train] if detail_for_titles else None
            started = time.process_time()
            metrics = RoutingModel(config).fit(texts, labels, auxiliary).metadata.metrics
            print(
                f"  C={C:<5} calibration C={calibration_C:<4} detail={detail_for_titles!s:<5} "
                f"macro-F1 {metrics['cv_macro_f1']:.4f}  accuracy {metrics['cv_accuracy']:.4f}  "
                f"({time.process_time() - started:.0f} CPU s)",
                flush=True,
            )


if __name__ == "__main__":
    main(sys.argv[1:] or ["title", "full"])
