import argparse
import sys

from tracetrack_emulator.control import Emulator, EmulatorError, local_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tracetrack_emulator", description=__doc__)
    parser.add_argument("command", choices=["start", "stop", "status", "reset", "serve"])
    parser.add_argument("--host", default=None, help="loopback address (default EMULATOR_HOST or 127.0.0.1)")
    parser.add_argument("--port", type=int, default=None, help="port (default EMULATOR_PORT or 5100)")
    parser.add_argument(
        "--local-environment",
        action="store_true",
        help="start: as the local environment's AWS (loopback data stores, tasks run here, a loopback registry)",
    )
    args = parser.parse_args(argv)

    try:
        emulator = Emulator(args.host, args.port)
        if args.command == "start" and args.local_environment:
            settings, notes = local_settings(emulator.port)
            for note in notes:
                print(f"==> {note}")
            emulator = Emulator(args.host, args.port, environment=settings)
        if args.command == "serve":
            from tracetrack_emulator.server import serve

            serve(emulator.host, emulator.port)
            return 0
        print(getattr(emulator, args.command if args.command != "status" else "status_text")())
    except EmulatorError as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
