"""示例市: a demo city with units, categories, one login per role and a few hundred
work orders in every state, for trying Rexian out (`rexian demo`, `rexian serve --demo`).

- `city`: the reference data (units, categories, time-limit rule, demo users);
- `texts`: names, addresses and per-category wording of requests and answers;
- `stories`: what happens to each order, as timed workflow steps;
- `timeline`: moving the steps, run now, to the times the stories give them;
- `seed`: `seed_demo()`, which puts it all together, idempotently.
"""
