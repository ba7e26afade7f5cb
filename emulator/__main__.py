"""``python -m emulator serve ...``"""

from emulator.cli import main

main(prog_name="python -m emulator")
