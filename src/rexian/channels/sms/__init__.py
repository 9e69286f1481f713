"""The SMS channel: a signed webhook from the SMS provider in, an HTTP gateway out, delivery reports."""
