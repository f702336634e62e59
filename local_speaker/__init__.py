"""The offline bedside speaker: same skill, spoken through pyttsx3 (see its issue)."""
