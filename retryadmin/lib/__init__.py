"""What every app shares (imports no app): JSON errors, rate limits, client address, HMAC, paging, time display,
phones, personas, CSV cells."""
