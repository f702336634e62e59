"""How requests arrive: the Flask web service (with Alexa request verification),
AWS Lambda, and the command line."""
