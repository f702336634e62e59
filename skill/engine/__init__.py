"""The conversation engine: rituals as data, state, content and speech; no ask-sdk types."""
