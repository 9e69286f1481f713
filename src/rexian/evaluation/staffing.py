"""Staffing a hotline: how many agents answer `target_sl` of calls within `target_seconds`.

Two queueing models, both with Poisson arrivals and exponential handling times:

* **Erlang C** (M/M/N): callers wait as long as it takes. Computed from the
  Erlang B recursion B(0) = 1, B(n) = A·B(n−1) / (n + A·B(n−1)), which never
  forms A^N or N!, so 1000+ agents are no problem, and
  C = N·B / (N − A·(1 − B)),  SL = 1 − C·e^(−(N−A)·T/AHT),  ASA = C·AHT / (N − A).
* **Erlang A** (M/M/N+M, Palm 1943; Garnett, Mandelbaum & Reiman, "Designing a
  call center with impatient customers", MSOM 4(3), 2002; Mandelbaum & Zeltyn,
  "The Palm/Erlang-A queue, with applications to call centers", 2007): callers
  hang up after an exponential patience with mean `patience_seconds`. With
  μ = 1/AHT, θ = 1/patience, r = θ/μ, the stationary distribution of the
  birth–death chain is taken in ratios to π_N: the states below N sum to
  1/B − 1 (Erlang B again) and the states above are q_k = Π_{j≤k} A/(N + j·r),
  summed until the tail is below 1e-15 (the ratios fall below 1, so the tail is
  bounded by a geometric series). Then
  P(wait) = U·B / (1 − B + U·B) with U = Σ q_k, and for a caller who finds k
  others waiting ahead:
  P(answered) = Nμ / (Nμ + (k+1)θ)  (the race telescopes), and the wait of an
  answered caller has the law −ln(X)/θ with X ~ Beta(Nμ/θ + 1, k + 1), so
  P(answered within T) = Nμ/(Nμ + (k+1)θ) · (1 − I_{e^(−θT)}(Nμ/θ + 1, k + 1)),
  where I is the regularized incomplete beta function, here summed by its
  recurrence in the second argument in log space (no overflow, no cancellation).
  These follow from the Laplace transform of the sum of the exponential phases
  (rates Nμ + jθ); tests check them against an independent brute force.

Service level here is *answered within T / offered* (abandoned calls count as
missed), the conservative reading for "95 % within 15 s" (GB/T 33358-2016);
`service_level_of_answered` is answered within T / answered. ASA is the mean
wait of answered calls. Without patience both models agree on what is offered.
"""

import math
from dataclasses import dataclass

TAIL = 1e-15
MAX_QUEUE_STATES = 2_000_000


@dataclass(frozen=True)
class QueueFigures:
    """What `agents` achieve for an offered `load` (Erlangs)."""

    model: str  # "erlang_c" or "erlang_a"
    agents: int
    load: float
    probability_wait: float
    probability_abandon: float
    service_level: float  # answered within target_seconds / offered
    service_level_of_answered: float  # answered within target_seconds / answered
    asa_seconds: float  # mean wait of answered calls; inf when Erlang C is overloaded
    occupancy: float  # carried load per agent
    target_seconds: float


def offered_load(calls_per_interval: float, aht_seconds: float, interval_seconds: float = 1800) -> float:
    """Erlangs: 100 calls per 30 min × 180 s = 10."""
    return calls_per_interval * aht_seconds / interval_seconds


def erlang_b(agents: int, load: float) -> float:
    """Blocking probability of M/M/N/N, by the stable recursion."""
    _check(agents, load)
    blocking = 1.0
    for n in range(1, agents + 1):
        blocking = load * blocking / (n + load * blocking)
    return blocking


def erlang_c(agents: int, load: float, aht_seconds: float, target_seconds: float = 15) -> QueueFigures:
    _check(agents, load)
    if agents <= load:  # overloaded: the queue grows without bound
        return QueueFigures("erlang_c", agents, load, 1.0, 0.0, 0.0, 0.0, math.inf, 1.0, target_seconds)
    blocking = erlang_b(agents, load)
    wait = agents * blocking / (agents - load * (1 - blocking))
    level = 1 - wait * math.exp(-(agents - load) * target_seconds / aht_seconds)
    asa = wait * aht_seconds / (agents - load)
    return QueueFigures("erlang_c", agents, load, wait, 0.0, level, level, asa, load / agents, target_seconds)


def erlang_a(
    agents: int, load: float, aht_seconds: float, patience_seconds: float, target_seconds: float = 15
) -> QueueFigures:
    _check(agents, load)
    if patience_seconds <= 0:
        raise ValueError("patience_seconds must be > 0")
    if agents == 0:
        return QueueFigures("erlang_a", 0, load, 1.0, 1.0, 0.0, 0.0, math.inf, 0.0, target_seconds)
    theta = 1 / patience_seconds
    r = aht_seconds / patience_seconds  # θ/μ
    a = agents / r  # Nμ/θ
    ahead = _queue_ratios(agents, load, r)  # q_k ∝ P(k callers waiting ahead)
    total = sum(ahead)
    blocking = erlang_b(agents, load)
    wait = total * blocking / (1 - blocking + total * blocking)

    x_log = -theta * target_seconds  # ln e^(−θT)
    one_minus_x_log = math.log(-math.expm1(x_log))
    alpha = a + 1
    beta_i = math.exp(alpha * x_log)  # I_x(α, 1) = x^α
    term_log = alpha * x_log + one_minus_x_log + math.log(alpha)  # ln of I_x(α, 2) − I_x(α, 1)
    abandon = within = answered_wait = 0.0
    phases = 0.0  # Σ_{m ≤ k+1} 1/(θ(a + m)): mean wait once answered, before tilting
    for k, weight in enumerate(ahead):
        p = weight / total
        answered = a / (a + k + 1)
        phases += 1 / (theta * (a + k + 1))
        abandon += p * (1 - answered)
        within += p * answered * (1 - beta_i)
        answered_wait += p * answered * phases
        beta_i += math.exp(term_log)
        term_log += one_minus_x_log + math.log((alpha + k + 1) / (k + 2))
    probability_abandon = wait * abandon
    answered_share = 1 - probability_abandon
    level = (1 - wait) + wait * within
    return QueueFigures(
        model="erlang_a",
        agents=agents,
        load=load,
        probability_wait=wait,
        probability_abandon=probability_abandon,
        service_level=level,
        service_level_of_answered=level / answered_share,
        asa_seconds=wait * answered_wait / answered_share,
        occupancy=load * answered_share / agents,
        target_seconds=target_seconds,
    )


def agents_needed(
    calls_per_interval: float,
    aht_seconds: float,
    interval_seconds: float = 1800,
    target_sl: float = 0.95,
    target_seconds: float = 15,
    patience_seconds: float | None = None,
) -> QueueFigures:
    """The fewest agents whose service level (answered within T / offered) reaches target_sl.

    Erlang C without patience, Erlang A with it. Service level rises with every
    added agent, so a doubling search followed by bisection finds the answer in
    O(log N) evaluations, even for thousands of agents.
    """
    if not 0 < target_sl < 1:
        raise ValueError("target_sl must be between 0 and 1 (exclusive)")
    if aht_seconds <= 0 or interval_seconds <= 0 or target_seconds < 0 or calls_per_interval < 0:
        raise ValueError("times must be positive and calls not negative")
    load = offered_load(calls_per_interval, aht_seconds, interval_seconds)
    cache: dict[int, QueueFigures] = {}

    def figures(agents: int) -> QueueFigures:
        if agents not in cache:
            if patience_seconds is None:
                cache[agents] = erlang_c(agents, load, aht_seconds, target_seconds)
            else:
                cache[agents] = erlang_a(agents, load, aht_seconds, patience_seconds, target_seconds)
        return cache[agents]

    failing, meeting = 0, max(1, math.ceil(load))  # no agent ever meets a target above 0
    while figures(meeting).service_level < target_sl:
        failing, meeting = meeting, meeting * 2
    while meeting - failing > 1:
        middle = (failing + meeting) // 2
        if figures(middle).service_level >= target_sl:
            meeting = middle
        else:
            failing = middle
    return figures(meeting)


def _check(agents: int, load: float) -> None:
    if not isinstance(agents, int) or agents < 0:
        raise ValueError("agents must be a whole number ≥ 0")
    if load < 0 or not math.isfinite(load):
        raise ValueError("load must be a finite number ≥ 0")


def _queue_ratios(agents: int, load: float, r: float) -> list[float]:
    """π_{N+k} / π_N for k = 0, 1, … until the rest is below TAIL of the sum."""
    ratios, value, total = [1.0], 1.0, 1.0
    k = 0
    while True:
        k += 1
        step = load / (agents + k * r)
        value *= step
        ratios.append(value)
        total += value
        if step < 1 and value * step / (1 - step) < TAIL * total:
            return ratios
        if k >= MAX_QUEUE_STATES:
            raise ValueError("patience too long for this overload: use Erlang C (patience_seconds=None)")
