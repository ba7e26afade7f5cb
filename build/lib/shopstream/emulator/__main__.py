"""``python -m shopstream.emulator serve ...``"""

from shopstream.emulator.cli import main

main(prog_name="python -m shopstream.emulator")
