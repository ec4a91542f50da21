"""The local environment's AWS emulator: moto in server mode plus the behaviours it lacks.

`python -m tracetrack_emulator start|stop|status|serve` (the Makefile's emulator-up / emulator-down
targets call it). Additions to moto live in `tracetrack_emulator.extensions`, one module per AWS
service, each naming the AWS API operation it follows.
"""

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5100
