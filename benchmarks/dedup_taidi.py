"""Duplicate detection (并单) checked on public board messages of the taidi2020 data.

Labelled check: two messages from different users with the same title are
taken as duplicates (the same matter). The title is then hidden: each such
message's *detail* is searched against the details of all 7,142 messages of
messages_with_votes.csv and messages_with_replies.csv, so the detector must
recognise the matter from differently written bodies among thousands of
distractors. Many pairs are one post copied between the two boards with an
identical body; recall is also reported for the pairs whose bodies differ.

Precision counts every match with another title as wrong, although some are
real duplicates titled differently, so it is a lower bound.

    .venv/bin/python benchmarks/dedup_taidi.py
"""

import itertools
import time
from collections import defaultdict

from rexian.nlp.similarity import DEFAULT_THRESHOLD, DuplicateIndex
from rexian.nlp.taidi import read_public_messages, taidi_dir

THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7)
TOP = 5


def labelled_pairs(messages):
    """Pairs of message ids with the same title from different users."""
    by_title = defaultdict(list)
    for message in messages:
        by_title[message.title].append(message)
    return {
        frozenset((first.id, second.id)): first.detail != second.detail
        for group in by_title.values()
        for first, second in itertools.combinations(group, 2)
        if first.user != second.user
    }


def main() -> None:
    directory = taidi_dir()
    messages = [
        *read_public_messages(directory / "messages_with_votes.csv"),
        *read_public_messages(directory / "messages_with_replies.csv"),
    ]
    pairs = labelled_pairs(messages)
    queries = sorted({message_id for pair in pairs for message_id in pair})
    title_of = {message.id: message.title for message in messages}
    detail_of = {message.id: message.detail for message in messages}
    started = time.perf_counter()
    index = DuplicateIndex([(message.id, message.detail) for message in messages])
    print(
        f"{len(messages)} messages, {len(pairs)} same-title pairs from different users "
        f"({sum(pairs.values())} with different bodies), {len(queries)} queries; "
        f"index built in {time.perf_counter() - started:.1f} s\n"
    )
    print("threshold  precision  recall  recall(different bodies)  ms/query")
    for threshold in THRESHOLDS:
        started = time.perf_counter()
        found = {
            query: [match.id for match in index.search(detail_of[query], threshold, TOP + 1) if match.id != query][:TOP]
            for query in queries
        }
        milliseconds = 1000 * (time.perf_counter() - started) / len(queries)
        matches = [(query, match) for query, ids in found.items() for match in ids]
        correct = sum(title_of[query] == title_of[match] for query, match in matches)
        recalled = {pair for pair in pairs if all(other in found[one] for one, other in itertools.permutations(pair))}
        reworded = [pair for pair, different in pairs.items() if different]
        marker = "  <- default" if threshold == DEFAULT_THRESHOLD else ""
        print(
            f"{threshold:9.2f}  {correct / max(len(matches), 1):9.3f}  {len(recalled) / len(pairs):6.3f}  "
            f"{sum(pair in recalled for pair in reworded) / len(reworded):24.3f}  {milliseconds:8.1f}{marker}"
        )
    print("\nrecall: share of pairs where each message finds the other among its top", TOP)


if __name__ == "__main__":
    main()
