"""Third-party monitoring of many 12345 hotlines (第三方监测).

Test calls (probes) → per-hotline metrics → scores → ranks and lists → reports.
Pure Python, no Django: an evaluator runs it on a laptop with `rexian evaluate`.
The method, every formula and every configuration key are in docs/evaluation.md.
"""
