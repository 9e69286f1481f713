"""Telephony integrations for the hotline: SIP test calls (拨测) and friends."""
