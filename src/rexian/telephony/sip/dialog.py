"""The dialog a 2xx creates, from the caller's side (RFC 3261 §12.1.2, §12.2.1.1).

It fixes what every later request in the call carries: the remote target
(the 2xx's Contact) as Request-URI, the route set (the 2xx's Record-Route,
reversed because we are the UAC), the tags and our CSeq counter.
"""

from __future__ import annotations

from dataclasses import dataclass

from .message import NameAddr, SipMessage
from .uri import split_params


@dataclass
class Dialog:
    call_id: str
    local: str  # our From header value, with our tag
    remote: str  # their To header value, with their tag
    remote_target: str
    route_set: list[str]
    local_cseq: int

    @classmethod
    def from_2xx(cls, invite: SipMessage, response: SipMessage) -> Dialog:
        contact = response.get("Contact")
        return cls(
            call_id=invite.call_id,
            local=invite.get("From") or "",
            remote=response.get("To") or "",
            remote_target=NameAddr.parse(contact).uri if contact else invite.uri or "",
            route_set=list(reversed(response.get_all("Record-Route"))),
            local_cseq=invite.cseq[0],
        )

    @property
    def local_tag(self) -> str | None:
        return NameAddr.parse(self.local).tag

    @property
    def remote_tag(self) -> str | None:
        return NameAddr.parse(self.remote).tag

    def owns(self, request: SipMessage) -> bool:
        """Is this request from the far end part of our dialog? (their tag in From, ours in To)"""
        from_tag = NameAddr.parse(request.get("From") or "").tag
        to_tag = NameAddr.parse(request.get("To") or "").tag
        return request.call_id == self.call_id and from_tag == self.remote_tag and to_tag == self.local_tag

    def request(self, method: str, cseq: int) -> SipMessage:
        """A request without Via (the sender stamps one) routed as §12.2.1.1 says.

        With a loose-routing first hop (;lr) the remote target is the
        Request-URI and the whole route set goes into Route; with a strict
        router the first route becomes the Request-URI and the remote target
        is appended to Route.
        """
        routes = list(self.route_set)
        uri = self.remote_target
        first_hop = NameAddr.parse(routes[0]).uri if routes else ""
        if routes and "lr" not in split_params(first_hop.partition(";")[2].partition("?")[0]):
            uri = first_hop
            routes = routes[1:] + [f"<{self.remote_target}>"]
        message = SipMessage(method=method, uri=uri)
        for route in routes:
            message.add("Route", route)
        message.add("Max-Forwards", "70")
        message.add("From", self.local)
        message.add("To", self.remote)
        message.add("Call-ID", self.call_id)
        message.add("CSeq", f"{cseq} {method}")
        return message

    def next_request(self, method: str) -> SipMessage:
        self.local_cseq += 1
        return self.request(method, self.local_cseq)
