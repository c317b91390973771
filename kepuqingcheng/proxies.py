"""The client's address as far as it can be known: for rate limits and anything keyed by client.

``X-Forwarded-For`` is written by whoever sends the request, so it is believed only when the
peer is one of the proxies listed in ``FORWARDED_ALLOW_IPS`` (the variable uvicorn reads for the
same purpose; here the default is to trust nobody). Behind such proxies the header is read from
the right, skipping the listed proxies: the first address that is not one of them is the client,
whatever a client put further left. Serve with ``uvicorn --no-proxy-headers`` (as ``make run``
does) so that the peer address reaching Django is the real one and this is the only place that
decides.
"""

import ipaddress

from django.conf import settings


def _address(text):
    try:
        return ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None


def _trusted(address):
    networks = getattr(settings, "FORWARDED_ALLOW_IPS", ())
    return address is not None and any(
        address.version == network.version and address in network for network in networks
    )


def client_address(request):
    """The client's IP address as a string ("" when the peer is unknown)."""
    peer = request.META.get("REMOTE_ADDR", "")
    client = _address(peer)
    if not _trusted(client):
        return peer
    # Repeated header lines reach Django joined by commas, in order.
    for hop in reversed(request.headers.get("X-Forwarded-For", "").split(",")):
        address = _address(hop)
        if address is None:
            break  # a malformed hop: keep the last address a trusted proxy vouched for
        client = address
        if not _trusted(address):
            break
    return str(client)
