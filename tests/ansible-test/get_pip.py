"""Stand-in for the get-pip bootstrap script that ansible-test downloads into its virtualenvs.

ansible-test runs `python get_pip.py [pip options] pip==X ...` in a fresh virtualenv. This script
installs the interpreter's bundled pip with ensurepip (offline), then lets that pip install the
requested packages from the configured package index, so no extra download host is needed.
"""

import subprocess
import sys

BOOTSTRAP_ONLY = {"--no-setuptools", "--no-wheel"}

subprocess.check_call([sys.executable, "-m", "ensurepip", "--default-pip"])
subprocess.check_call([sys.executable, "-m", "pip", "install"] + [a for a in sys.argv[1:] if a not in BOOTSTRAP_ONLY])
