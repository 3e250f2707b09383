"""Telephony provider webhooks (Twilio, Ozonetel, SIP): signatures, parsing, and recording the calls."""
