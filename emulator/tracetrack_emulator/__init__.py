"""The local environment's AWS emulator: moto in server mode plus the behaviours it lacks.

`python -m tracetrack_emulator start|stop|status|serve` (the Makefile's emulator-up / emulator-down
targets call it). Additions to moto live in `tracetrack_emulator.extensions`, one module per AWS
service, each naming the AWS API operation it follows. EMULATOR_PROFILE=realistic switches on the last of them, profile_realistic: slow
resources, throttling and eventual consistency as AWS has them (EMULATOR_TIME_SCALE, default 1/30;
EMULATOR_THROTTLE_RATE, default 0.1).
"""

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5100
