import time, pytest
from tests.telephony.test_campaign_run import campaign_for, drain, proxy
pytestmark = pytest.mark.django_db
def test_dbg(hotline):
    lines = {"A-ANSWER": hotline.uri("answer300"), "B-BUSY": hotline.uri("busy"), "C-SILENT": hotline.uri("noanswer")}
    c = campaign_for(proxy(hotline), lines, rounds=2, calls=5)
    t=time.monotonic()
    def on(r): print(round(time.monotonic()-t,2), r.claimed, r.done, dict(r.outcomes))
    drain(c, on_tick=on)
    for call in c.calls.order_by("started_at"):
        print(call.hotline.hotline_id, call.started_at.time(), round((call.finished_at-call.started_at).total_seconds(),2), call.prober_outcome, [e["first_line"][:20] for e in call.ladder][-3:])
