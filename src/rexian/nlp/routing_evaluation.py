"""Train on one labelled set, test on another, and report what matters to routing."""

import time
from collections.abc import Sequence

from rexian.nlp.labelled_csv import LabelledMessage
from rexian.nlp.routing_metrics import calibration_metrics, ranking_metrics

LATENCY_SAMPLE = 200


def evaluate(
    model,
    train: Sequence[LabelledMessage],
    test: Sequence[LabelledMessage],
    text_field: str,
    *,
    detail_for_titles: bool = False,
) -> dict:
    """Fit ``model`` (RoutingModel or CharNgramSvmBaseline) and score it on ``test``.

    ``detail_for_titles``: when the model reads titles only, also train it on
    each training message's detail as an auxiliary text (RoutingModel only).
    Latency is measured one message at a time, as the web form will call it,
    on up to LATENCY_SAMPLE test messages (see _latency).
    """
    texts = [message.text(text_field) for message in train]
    labels = [message.label for message in train]
    started, cpu_started = time.perf_counter(), time.process_time()
    if detail_for_titles and text_field == "title":
        model.fit(texts, labels, auxiliary_texts=[message.detail for message in train])
    else:
        model.fit(texts, labels)
    training_seconds = time.perf_counter() - started
    training_cpu_seconds = time.process_time() - cpu_started

    test_texts = [message.text(text_field) for message in test]
    truth = [message.label for message in test]
    scores = model.scores(test_texts)
    report = {
        **ranking_metrics(truth, model.labels, scores),
        **_latency(model, test_texts[:LATENCY_SAMPLE]),
        "training_seconds": training_seconds,
        "training_cpu_seconds": training_cpu_seconds,
        "train_size": len(train),
        "test_size": len(test),
        "labels": len(model.labels),
        "text_field": text_field,
    }
    if model.produces_probabilities:
        report.update(calibration_metrics(truth, model.labels, scores))
        report.update(model.metadata.metrics)  # cross-validated on the training set (cv_*)
    return report


def _latency(model, texts: Sequence[str]) -> dict[str, float]:
    """Milliseconds per single-message predict_top call: CPU time of this process
    (what one core spends, unaffected by other load on the machine) and wall time."""
    model.predict_top(texts[:1])  # warm-up: lazy imports and caches are not the user's wait
    cpu_started, wall_started = time.process_time(), time.perf_counter()
    for text in texts:
        model.predict_top([text])
    return {
        "ms_per_message": 1000 * (time.process_time() - cpu_started) / len(texts),
        "wall_ms_per_message": 1000 * (time.perf_counter() - wall_started) / len(texts),
    }
