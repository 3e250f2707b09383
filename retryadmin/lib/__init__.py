"""What every app shares (imports no app): JSON errors, rate limits, HMAC, paging, time display, phones, personas."""
