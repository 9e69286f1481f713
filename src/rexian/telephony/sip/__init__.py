"""An asyncio SIP user agent client for test calls to a hotline (拨测).

Standard library only.  ``probe_call`` places one call and returns a
``CallResult``; ``place_calls`` runs many with a concurrency cap.  See
docs/probing.md for the call flow, the outcome mapping and the safety rules.
"""

from .batch import place_calls
from .config import ProbeConfig
from .outcome import CallResult, Outcome
from .uac import probe_call

__all__ = ["CallResult", "Outcome", "ProbeConfig", "place_calls", "probe_call"]
