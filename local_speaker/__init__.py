"""The offline bedside speaker: the same skill, understood and spoken without a network.

A front end only; it decides nothing. The way through it, one module per stage:

- `model`, `normalize`, `slot_values`, `matcher`: text -> intent and slots, from the
  interaction model's own samples (plus `phrases.<locale>.json` for Alexa's built-ins).
- `envelopes`, `session`: Alexa request envelopes and Alexa's session semantics around
  `skill.invoke`.
- `ssml_render`, `tts`, `sounds`, `audio`, `voice`: the SSML answer -> one exact audio
  timeline (pyttsx3 speech, sample-exact pauses, local chimes).
- `playback`, `countdown`, `output`: to a sound device, to WAV files, or as text.
- `grammar`, `context`, `listen`: offline voice input (pocketsphinx with grammars from the
  model, one per thing the skill can be waiting for) and `close-together hear`.
- `runner`, `cli`: the bedside loop and the `speaker` / `say` / `hear` commands.
"""
