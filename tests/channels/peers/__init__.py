"""Real servers on 127.0.0.1 that play the other side of a channel in tests."""
