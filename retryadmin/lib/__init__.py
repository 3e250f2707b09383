"""What every app shares: it imports no app of ours."""
